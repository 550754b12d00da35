using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ShardGen.Generator.Sql;
using Xunit.Abstractions;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>
/// ShardGen's parser against PostgreSQL's own grammar: libpg-query (PostgreSQL 16's parser built to WebAssembly, run by
/// Node) decides which statements are valid, and ShardGen must never accept what PostgreSQL rejects, never report a syntax
/// error on what it accepts, and when it parses a statement agree with PostgreSQL on its kind and target table.
/// The corpora: the DML of PostgreSQL's regression suite (Corpus/postgres-regress.jsonl, see Oracle/extract-corpus.js); the
/// constructs a pinned query must run (Corpus/constructs.sql), of which ShardGen must parse every one; and the valid
/// constructs ShardGen still refuses (Corpus/constructs-unsupported.sql), each with a reason, never a syntax error.
/// </summary>
/// <remarks>
/// Needs <c>node</c> and <c>npm</c> on the PATH (.ci/run installs them); the package is installed once into a folder under
/// the temporary directory. Without Node the tests report themselves skipped.
/// </remarks>
public sealed class PostgresOracleTests(ITestOutputHelper output)
{
    /// <summary>Statements of the regression corpus ShardGen parses whole; raise it as the parser grows, never lower it.</summary>
    private const int RegressCorpusParsedAtLeast = 17306;

    [SkippableFact]
    public void Constructs_a_pinned_query_must_run_all_parse()
    {
        var statements = ReadConstructs("constructs.sql");
        var verdicts = Oracle.Judge(statements);
        var failures = new List<string>();
        for (var i = 0; i < statements.Count; i++)
        {
            if (!verdicts[i].Ok)
            {
                failures.Add($"PostgreSQL rejects ({verdicts[i].Error}): {statements[i]}");
                continue;
            }

            var result = SqlParser.Parse(statements[i]);
            if (result.Statement is null)
            {
                failures.Add($"ShardGen refuses ({Describe(statements[i], result)}): {statements[i]}");
            }
            else if (Disagreement(result.Statement, verdicts[i]) is { } disagreement)
            {
                failures.Add($"{disagreement}: {statements[i]}");
            }
        }

        output.WriteLine($"{statements.Count - failures.Count} of {statements.Count} constructs parse");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public void Constructs_still_refused_are_refused_as_unsupported()
    {
        var statements = ReadConstructs("constructs-unsupported.sql");
        var verdicts = Oracle.Judge(statements);
        var failures = new List<string>();
        for (var i = 0; i < statements.Count; i++)
        {
            var result = SqlParser.Parse(statements[i]);
            if (!verdicts[i].Ok)
            {
                failures.Add($"PostgreSQL rejects ({verdicts[i].Error}): {statements[i]}");
            }
            else if (result.Statement is not null)
            {
                failures.Add($"ShardGen parses it now: move it to constructs.sql: {statements[i]}");
            }
            else if (result.Problems.Any(p => p.Kind == SqlProblemKind.Syntax))
            {
                failures.Add($"ShardGen reports a syntax error ({Describe(statements[i], result)}): {statements[i]}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [SkippableFact]
    public void Regression_suite_dml()
    {
        var statements = File.ReadAllLines(CorpusPath("postgres-regress.jsonl"))
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<string>(line)!)
            .ToList();
        var verdicts = Oracle.Judge(statements);

        int accepted = 0, parsed = 0, unsupported = 0;
        var acceptedWrongly = new List<string>();
        var syntaxErrors = new List<string>();
        var disagreements = new List<string>();
        for (var i = 0; i < statements.Count; i++)
        {
            var result = SqlParser.Parse(statements[i]);
            if (!verdicts[i].Ok)
            {
                if (result.Statement is not null)
                {
                    acceptedWrongly.Add($"PostgreSQL rejects ({verdicts[i].Error}): {statements[i]}");
                }

                continue;
            }

            accepted++;
            if (result.Statement is not null)
            {
                parsed++;
                if (Disagreement(result.Statement, verdicts[i]) is { } disagreement)
                {
                    disagreements.Add($"{disagreement}: {statements[i]}");
                }
            }
            else if (result.Problems.Any(p => p.Kind == SqlProblemKind.Syntax))
            {
                syntaxErrors.Add($"{Describe(statements[i], result)}: {statements[i]}");
            }
            else
            {
                unsupported++;
            }
        }

        output.WriteLine($"{statements.Count} statements; PostgreSQL accepts {accepted}; ShardGen parses {parsed}, refuses {unsupported} as unsupported, reports a syntax error on {syntaxErrors.Count}");
        foreach (var line in syntaxErrors.Take(200))
        {
            output.WriteLine("syntax error: " + line.Replace('\n', ' '));
        }

        Assert.True(acceptedWrongly.Count == 0, "ShardGen accepts what PostgreSQL rejects:\n" + string.Join("\n", acceptedWrongly));
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        Assert.True(parsed >= RegressCorpusParsedAtLeast, $"ShardGen parses {parsed} statements of the corpus, fewer than {RegressCorpusParsedAtLeast}");
    }

    private static string Describe(string sql, ParseResult result) =>
        string.Join("; ", result.Problems.Select(p => $"{p.Kind} at '{sql.Substring(p.Span.Start, p.Span.Length)}': {p.Message}"));

    /// <summary>Where ShardGen's tree and PostgreSQL's disagree on the statement's kind or target table, a description.</summary>
    private static string? Disagreement(SqlStatement statement, Verdict verdict)
    {
        var (kind, table) = statement switch
        {
            SelectStatement or SetOperationStatement => ("SelectStmt", null),
            InsertStatement insert => ("InsertStmt", insert.Table.Name),
            UpdateStatement update => ("UpdateStmt", update.Table.Name),
            DeleteStatement delete => ("DeleteStmt", delete.Table.Name),
            _ => (statement.GetType().Name, (string?)null),
        };

        return kind != verdict.Kind || table != verdict.Table
            ? $"ShardGen reads {kind} {table}, PostgreSQL {verdict.Kind} {verdict.Table}"
            : null;
    }

    /// <summary>A corpus of constructs: one statement a line; lines starting with -- and blank lines are skipped.</summary>
    private static List<string> ReadConstructs(string name) =>
        File.ReadAllLines(CorpusPath(name))
            .Where(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith("--", StringComparison.Ordinal))
            .ToList();

    private static string CorpusPath(string name) => Path.Combine(SourceFolder(), "Corpus", name);

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private sealed record Verdict(bool Ok, string? Kind, string? Table, string? Error);

    private static class Oracle
    {
        private const string Package = "libpg-query@16.7.3";

        private static readonly Lazy<string?> Folder = new(Install);

        /// <summary>PostgreSQL's verdict on each statement; <c>@name</c> parameters are given to it as <c>$n</c>.</summary>
        public static List<Verdict> Judge(IReadOnlyList<string> statements)
        {
            var folder = Folder.Value;
            Skip.If(folder is null, "Node and npm are needed to run PostgreSQL's parser (libpg-query); .ci/run installs them");

            var input = new StringBuilder();
            foreach (var statement in statements)
            {
                input.Append(JsonSerializer.Serialize(Positional(statement))).Append('\n');
            }

            var (exit, stdout, stderr) = Run("node", [Path.Combine(SourceFolder(), "Oracle", "oracle.js"), folder!], input.ToString());
            Assert.True(exit == 0, "The libpg-query oracle failed: " + stderr);
            var verdicts = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonSerializer.Deserialize<JsonElement>(line))
                .Select(o => new Verdict(
                    o.GetProperty("ok").GetBoolean(),
                    o.TryGetProperty("kind", out var kind) ? kind.GetString() : null,
                    o.TryGetProperty("table", out var table) ? table.GetString() : null,
                    o.TryGetProperty("error", out var error) ? error.GetString() : null))
                .ToList();
            Assert.Equal(statements.Count, verdicts.Count);
            return verdicts;
        }

        /// <summary>The statement with each ShardGen <c>@name</c> written as PostgreSQL's <c>$n</c> (one number a name).</summary>
        private static string Positional(string sql)
        {
            var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
            var text = new StringBuilder();
            var position = 0;
            foreach (var token in SqlLexer.Lex(sql).Tokens.Where(t => t.Kind == SqlTokenKind.Parameter))
            {
                if (!numbers.TryGetValue(token.Value, out var number))
                {
                    numbers[token.Value] = number = numbers.Count + 1;
                }

                text.Append(sql, position, token.Span.Start - position).Append('$').Append(number);
                position = token.Span.End;
            }

            return text.Append(sql, position, sql.Length - position).ToString();
        }

        private static string? Install()
        {
            if (Run("node", ["--version"], null).Exit != 0)
            {
                return null;
            }

            var folder = Path.Combine(Path.GetTempPath(), "shardgen-" + Package.Replace('@', '-'));
            if (File.Exists(Path.Combine(folder, "node_modules", "libpg-query", "package.json")))
            {
                return folder;
            }

            // npm installs into a folder of its own first, then the folder is moved into place: a concurrent run never sees half a package.
            var staging = folder + "-" + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(staging);
            var (exit, _, stderr) = Run("npm", ["install", "--prefix", staging, "--no-audit", "--no-fund", "--no-save", Package], null);
            Assert.True(exit == 0, $"npm install {Package} failed: {stderr}");
            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (File.Exists(Path.Combine(folder, "node_modules", "libpg-query", "package.json")))
            {
                Directory.Delete(staging, recursive: true);
            }

            return folder;
        }

        private static (int Exit, string Stdout, string Stderr) Run(string program, string[] arguments, string? stdin)
        {
            var start = new ProcessStartInfo(program)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return (-1, string.Empty, program + " is not installed");
            }

            using (process)
            {
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                var input = new UTF8Encoding(false);
                using (var writer = new StreamWriter(process.StandardInput.BaseStream, input))
                {
                    writer.Write(stdin ?? string.Empty);
                }

                process.WaitForExit();
                return (process.ExitCode, stdout.Result, stderr.Result);
            }
        }
    }
}
