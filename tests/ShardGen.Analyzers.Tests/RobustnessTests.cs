using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace ShardGen.Analyzers.Tests;

/// <summary>
/// Whatever the user types — half a query, a stray quote, a pasted emoji, a 200 KB string — the generator and the
/// analyzer must answer with diagnostics, never with an exception: the generator never fails the build (no CS8785),
/// the analyzer never reports AD0001, and ShardGen never reports its own internal failure (SG0900). The inputs are
/// random mutations (fixed seed, so a failure reproduces) of the corpus' valid queries and of valid C# sources, plus
/// a few huge inputs.
/// </summary>
public sealed class RobustnessTests(ITestOutputHelper output)
{
    private const int Seed = 4_20_2025;

    /// <summary>Mutated methods per compilation: many at once keeps the test fast.</summary>
    private const int BatchSize = 250;

    private static readonly Lazy<string> Schema = new(() => File.ReadAllText(CorpusTests.CorpusPath("Schema.cs.txt")));

    private static readonly Lazy<IReadOnlyList<CorpusEntry>> Corpus = new(() => CorpusFile.Parse(File.ReadAllText(CorpusTests.CorpusPath("citus-corpus.md"))));

    /// <summary>Every parameter name the corpus uses, declared on every mutated method (so a mutation is not just "unknown parameter").</summary>
    private const string AllParameters = "long companyId, long adId, long id, long campaignId, long siteId, long first, long second, long newCompanyId, long planId, "
        + "long[] companyIds, global::System.Guid deviceId, string name, string country, decimal budget, decimal price, global::System.DateTimeOffset before";

    [Fact]
    public void Mutated_SQL_never_makes_the_generator_or_the_analyzer_throw()
    {
        var random = new Random(Seed);
        var mutants = new List<string>();
        foreach (var entry in Corpus.Value)
        {
            var sql = entry.Sql;
            var step = Math.Max(1, sql.Length / 6);
            for (var i = 0; i < sql.Length; i += step)
            {
                mutants.Add(sql[..i]);                                   // truncated at every step-th character
            }

            mutants.Add(sql[random.Next(sql.Length)..]);                 // and a tail

            mutants.Add(SwapTokens(SwapTokens(sql, random), random));
            foreach (var quote in new[] { "'", "\"", "\"\"\"" })
            {
                mutants.Add(sql.Insert(random.Next(sql.Length + 1), quote));   // stray quotes
            }

            mutants.Add(DeleteOne(sql, "()", random));                    // one parenthesis deleted
            mutants.Add(sql.Replace(random.Next(2) == 0 ? "(" : ")", string.Empty, StringComparison.Ordinal));
            mutants.Add(InsertUnicode(sql, random, 1 + random.Next(12)));  // random unicode
            mutants.Add(ReplaceRandomCharacters(sql, random, 5));
        }

        mutants.Add(string.Empty);
        mutants.Add(" ");
        mutants.Add("'");
        mutants.Add("\"");
        mutants.Add("\"\"\"");
        mutants.Add("@");
        mutants.Add("SELECT");
        mutants.Add("SELECT * FROM");
        mutants.Add("SELECT @ FROM companies WHERE company_id = @");
        mutants.Add("SELECT 'unterminated FROM companies");
        mutants.Add("SELECT \"unterminated FROM companies");
        mutants.Add("SELECT $$dollar FROM companies");
        mutants.Add("/* unterminated comment SELECT 1");
        mutants.Add("SELECT 1; SELECT 2; DROP TABLE companies;");
        mutants.Add("\0\u0001\u001f\u007f\uFEFF\uFFFE\uFFFF");
        mutants.Add("SELECT \uD800 FROM companies WHERE company_id = @companyId");       // lone surrogates
        mutants.Add("SELECT name FROM companies WHERE company_id = @companyId AND name = '\uDC00'");
        mutants.Add("SELECT name FROM companies WHERE company_id = @companyId AND name = '\u2028\u2029\u0085'");   // C# line terminators
        mutants.Add("SELECT na\u2028me FROM companies WHERE company_id = @companyId");
        mutants.Add("SELECT name\rFROM companies\u0085WHERE company_id = @companyId");                         // a lone CR, a NEL
        mutants.Add("SELECT name FROM companies WHERE company_id = @companyId AND name = '\U0001F600'");

        output.WriteLine($"{mutants.Count} mutated SQL strings");
        AssertNothingThrows(mutants.Select((sql, i) => (sql, i)).Chunk(BatchSize).Select(batch => WithSchema(batch)), "mutated SQL");
    }

    [Fact]
    public void Mutated_CSharp_sources_never_make_the_generator_or_the_analyzer_throw()
    {
        var random = new Random(Seed + 1);
        var queries = QueryClass(Corpus.Value.Take(12).Select((entry, i) => (entry.Sql, i)).ToList());
        var sources = new List<string[]>();

        // Truncations of the model and of the query class at every N-th position.
        foreach (var (text, other, first) in new[] { (Schema.Value, queries, true), (queries, Schema.Value, false) })
        {
            var step = Math.Max(1, text.Length / 10);
            for (var i = step / 2; i < text.Length; i += step)
            {
                sources.Add(first ? [text[..i], other] : [other, text[..i]]);
            }
        }

        // Token swaps, stray quotes, deleted parentheses and random unicode anywhere in the C#.
        var combined = Schema.Value + "\n" + queries;
        for (var i = 0; i < 3; i++)
        {
            sources.Add([SwapTokens(combined, random)]);
            sources.Add([combined.Insert(random.Next(combined.Length), new[] { "'", "\"", "\"\"\"" }[i % 3])]);
            sources.Add([DeleteOne(combined, "()", random)]);
            sources.Add([InsertUnicode(combined, random, 4)]);
            sources.Add([DeleteOne(combined, "[]{}", random)]);
        }

        output.WriteLine($"{sources.Count} mutated C# compilations");
        AssertNothingThrows(sources, "mutated C#", checkGeneratedCode: false);
    }

    [Fact]
    public void Huge_inputs_never_make_the_generator_or_the_analyzer_throw()
    {
        var inList = new StringBuilder("SELECT id, name FROM campaigns WHERE company_id = @companyId AND name IN (");
        for (var i = 0; inList.Length < 200_000; i++)
        {
            inList.Append(i == 0 ? string.Empty : ", ").Append('\'').Append("campaign-").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\'');
        }

        inList.Append(')');
        var ands = new StringBuilder("SELECT id FROM campaigns WHERE company_id = @companyId");
        var ors = new StringBuilder("SELECT id FROM campaigns WHERE company_id = @companyId AND (id = 0");
        var columns = new StringBuilder("SELECT id");
        for (var i = 1; i <= 10_000; i++)
        {
            ands.Append(" AND id <> ").Append(i.ToString(CultureInfo.InvariantCulture));
            ors.Append(" OR id = ").Append(i.ToString(CultureInfo.InvariantCulture));
            columns.Append(", id + ").Append(i.ToString(CultureInfo.InvariantCulture));
        }

        ors.Append(')');
        columns.Append(" FROM campaigns WHERE company_id = @companyId");
        var huge = new[]
        {
            inList.ToString(),
            ands.ToString(),
            ors.ToString(),
            columns.ToString(),
            "SELECT id FROM campaigns WHERE " + new string('(', 2_000) + "company_id = @companyId" + new string(')', 2_000),
            "SELECT " + Repeat("lower(", 2_000) + "name" + new string(')', 2_000) + " AS name FROM campaigns WHERE company_id = @companyId",
            "SELECT id FROM campaigns WHERE company_id = @companyId AND " + Repeat("NOT ", 2_000) + "id = 1",
            "SELECT id FROM campaigns WHERE company_id = " + Repeat("-", 5_000) + "1",
            "SELECT id FROM campaigns WHERE company_id = @companyId AND name = '" + new string('x', 200_000) + "'",
            "SELECT id FROM campaigns WHERE company_id = @companyId AND " + new string('(', 2_000),
            new string(')', 2_000) + " SELECT",
            "SELECT id FROM campaigns c " + Repeat("JOIN ads a ON a.company_id = c.company_id ", 500) + "WHERE c.company_id = @companyId",
            "SELECT id FROM campaigns WHERE company_id = @companyId AND id IN " + Repeat("(SELECT campaign_id FROM ads WHERE company_id = @companyId AND campaign_id IN ", 60) + "(SELECT 1)" + new string(')', 60),
            "SELECT id FROM campaigns WHERE company_id IN " + Repeat("(SELECT company_id FROM ads WHERE company_id IN ", 500) + "(SELECT 1)" + new string(')', 500),
            "SELECT id FROM campaigns c WHERE " + Repeat("EXISTS (SELECT 1 FROM ads a WHERE a.company_id = c.company_id AND ", 300) + "true" + new string(')', 300),
            "WITH " + string.Join(", ", Enumerable.Range(0, 300).Select(i => $"w{i} AS (SELECT id FROM {(i == 0 ? "campaigns" : "w" + (i - 1))} WHERE {(i == 0 ? "company_id = @companyId" : "id > 0")})")) + " SELECT id FROM w299",
        };

        var stopwatch = Stopwatch.StartNew();
        AssertNothingThrows([WithSchema(huge.Select((sql, i) => (sql, i)).ToList())], "huge SQL");
        output.WriteLine($"huge inputs: {stopwatch.ElapsedMilliseconds} ms");
    }

    /// <summary>Runs the analyzer and the generator over each compilation; fails with every failure found.</summary>
    private void AssertNothingThrows(IEnumerable<string[]> compilations, string what, bool checkGeneratedCode = true)
    {
        var failures = new List<string>();
        var count = 0;
        var stopwatch = Stopwatch.StartNew();
        foreach (var sources in compilations)
        {
            count++;
            var compilation = CorpusRun.Compile(sources);
            var exceptions = new List<Exception>();
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), (ex, _, _) => exceptions.Add(ex), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
            var diagnostics = compilation.WithAnalyzers([new ShardGenAnalyzer()], options).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
            failures.AddRange(exceptions.Select(ex => $"analyzer threw: {ex}"));
            failures.AddRange(diagnostics.Where(d => d.Id is "AD0001" or "SG0900").Select(d => $"{d.Id}: {d.GetMessage()} at {d.Location.GetLineSpan()}\n{Excerpt(d)}"));

            try
            {
                if (CorpusRun.RunGenerator(compilation, out var generated) is { } failure)
                {
                    failures.Add($"generator: {failure}");
                }
                else if (checkGeneratedCode)
                {
                    // The generated code itself must be C# that compiles, whatever SQL it carries (with a broken model it
                    // may name types that no longer exist: only SQL mutations keep the C# around it valid).
                    var generatedTrees = generated.SyntaxTrees.Except(compilation.SyntaxTrees).ToHashSet();
                    failures.AddRange(generated.GetDiagnostics()
                        .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && generatedTrees.Contains(tree))
                        .Take(3)
                        .Select(d => $"generated code does not compile: {d}"));
                }
            }
            catch (Exception ex)
            {
                failures.Add($"running the generator threw: {ex}");
            }
        }

        output.WriteLine($"{what}: {count} compilations in {stopwatch.ElapsedMilliseconds} ms");
        Assert.True(failures.Count == 0, $"{failures.Count} failures on {what}:\n" + string.Join("\n\n", failures.Distinct().Take(10)));
    }

    private static string Excerpt(Diagnostic diagnostic)
    {
        if (diagnostic.Location.SourceTree is not { } tree)
        {
            return string.Empty;
        }

        var text = tree.GetText().ToString();
        var span = diagnostic.Location.SourceSpan;
        var start = Math.Max(0, span.Start - 200);
        return text[start..Math.Min(text.Length, span.End + 400)];
    }

    /// <summary>A partial class with one [Query] method per SQL string, the strings written in every form the analyzer maps.</summary>
    private static string QueryClass(IReadOnlyList<(string Sql, int Index)> queries)
    {
        var text = new StringBuilder("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using ShardGen;

            namespace Corpus;

            public sealed partial class CorpusQueries
            {

            """);
        foreach (var (sql, index) in queries)
        {
            var name = "M" + index.ToString(CultureInfo.InvariantCulture);
            var literal = (index % 5) switch
            {
                0 => Raw(sql),
                1 => "@\"" + sql.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
                2 => Escaped(sql),
                3 => sql.Length < 2 ? Escaped(sql) : Escaped(sql[..(sql.Length / 2)]) + " + " + Escaped(sql[(sql.Length / 2)..]),
                _ => "Sql" + name,
            };
            if (index % 5 == 4)
            {
                text.Append("    private const string Sql").Append(name).Append(" = ").Append(Escaped(sql)).Append(";\n");
            }

            // Reads return rows; writes return a count. Half the methods take the other shape, which is a diagnostic too.
            var returns = (index / 5) % 2 == 0 ? "Task<List<CorpusRow>>" : "Task<int>";
            text.Append("    [Query(").Append(literal).Append(")]\n");
            text.Append("    public partial ").Append(returns).Append(' ').Append(name).Append('(').Append(AllParameters).Append(");\n\n");
        }

        return text.Append("}\n").ToString();
    }

    private static string[] WithSchema(IReadOnlyList<(string Sql, int Index)> queries) => [Schema.Value, QueryClass(queries)];

    private static string Raw(string sql)
    {
        var longest = 0;
        var run = 0;
        foreach (var c in sql)
        {
            run = c == '"' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var delimiter = new string('"', Math.Max(3, longest + 1));
        return delimiter + "\n" + sql + "\n" + delimiter;
    }

    private static string Escaped(string text)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in text)
        {
            literal.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                >= ' ' and <= '~' => c.ToString(),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }

        return literal.Append('"').ToString();
    }

    private static readonly Regex Token = new(@"""[^""]*""|'[^']*'|@?\w+|\S", RegexOptions.Compiled);

    private static string SwapTokens(string text, Random random)
    {
        var tokens = Token.Matches(text).Select(m => m.Value).ToList();
        if (tokens.Count < 2)
        {
            return text;
        }

        var a = random.Next(tokens.Count);
        var b = random.Next(tokens.Count);
        (tokens[a], tokens[b]) = (tokens[b], tokens[a]);
        return string.Join(' ', tokens);
    }

    private static string DeleteOne(string text, string characters, Random random)
    {
        var positions = Enumerable.Range(0, text.Length).Where(i => characters.Contains(text[i], StringComparison.Ordinal)).ToList();
        return positions.Count == 0 ? text : text.Remove(positions[random.Next(positions.Count)], 1);
    }

    /// <summary>Characters that break naive text handling: controls, BOM, non-characters, combining marks, bidi controls,
    /// zero-width joiners, line separators, astral characters (surrogate pairs), lone surrogates, full-width quotes.</summary>
    private static readonly string[] Unicode =
    [
        "\0", "\u0001", "\t", "\r", "\n", "\u0085", "\u2028", "\u2029", "\u200B", "\u200D", "\u202E", "\u2066", "\uFEFF", "\uFFFD", "\uFFFF",
        "\u0301", "\u0336", "é", "ß", "İ", "ı", "Ω", "Ж", "ש", "ع", "中", "日本", "\U0001F600", "\U0001F469\u200D\U0001F4BB", "\U00010348",
        "\uD800", "\uDFFF", "\u02BC", "\u2019", "\uFF07", "\uFF02", "\u00A0", "\u3000", "＠", "＝", "（", "）",
    ];

    private static string InsertUnicode(string text, Random random, int count)
    {
        for (var i = 0; i < count; i++)
        {
            text = text.Insert(random.Next(text.Length + 1), Unicode[random.Next(Unicode.Length)]);
        }

        return text;
    }

    private static string ReplaceRandomCharacters(string text, Random random, int count)
    {
        if (text.Length == 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = 0; i < count; i++)
        {
            chars[random.Next(chars.Length)] = (char)random.Next(0, 0x10000);
        }

        return new string(chars);
    }

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));
}
