using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>
/// PostgreSQL's own parser as a test oracle: libpg-query (PostgreSQL 16's parser built to WebAssembly), run by Node through
/// Oracle/oracle.js. Needs <c>node</c> and <c>npm</c> on the PATH (.ci/run installs them); the package is installed once into a
/// folder under the temporary directory. Without Node, <see cref="Judge"/> reports the calling test skipped.
/// </summary>
internal static class PostgresOracle
{
    /// <summary>
    /// PostgreSQL's verdict on one statement: <see cref="Kind"/> its node type, <see cref="Table"/> the target of a write,
    /// <see cref="Fingerprint"/> a hash of its parse tree without locations (equal exactly when the trees are), or the <see cref="Error"/>.
    /// </summary>
    public sealed record Verdict(bool Ok, string? Kind, string? Table, string? Error, string? Fingerprint);

    /// <summary>A corpus of constructs: one statement a line; lines starting with -- and blank lines are skipped.</summary>
    public static List<string> ReadConstructs(string name) =>
        File.ReadAllLines(CorpusPath(name))
            .Where(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith("--", StringComparison.Ordinal))
            .ToList();

    /// <summary>The DML of PostgreSQL's regression suite (Corpus/postgres-regress.jsonl, see Oracle/extract-corpus.js).</summary>
    public static List<string> ReadRegressionCorpus() =>
        File.ReadAllLines(CorpusPath("postgres-regress.jsonl"))
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<string>(line)!)
            .ToList();

    private static string CorpusPath(string name) => Path.Combine(SourceFolder(), "Corpus", name);

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

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
                o.TryGetProperty("error", out var error) ? error.GetString() : null,
                o.TryGetProperty("fingerprint", out var fingerprint) ? fingerprint.GetString() : null))
            .ToList();
        Assert.Equal(statements.Count, verdicts.Count);
        return verdicts;
    }

    /// <summary>
    /// The statement with each ShardGen <c>@name</c> written as PostgreSQL's <c>$n</c>, numbered in the ordinal order of the names
    /// (not of their places), so that two texts naming the same parameters in different places number them alike.
    /// </summary>
    private static string Positional(string sql)
    {
        var parameters = SqlLexer.Lex(sql).Tokens.Where(t => t.Kind == SqlTokenKind.Parameter).ToList();
        var numbers = parameters.Select(t => t.Value).Distinct().OrderBy(name => name, StringComparer.Ordinal)
            .Select((name, index) => (name, index)).ToDictionary(p => p.name, p => p.index + 1, StringComparer.Ordinal);
        var text = new StringBuilder();
        var position = 0;
        foreach (var token in parameters)
        {
            var number = numbers[token.Value];

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
