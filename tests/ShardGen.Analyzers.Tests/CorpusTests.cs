using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace ShardGen.Analyzers.Tests;

/// <summary>
/// The Citus corpus (Corpus/citus-corpus.md): queries over a schema with colocated, non-colocated, reference and
/// local tables, each labelled with what Citus does and what ShardGen must report. One compilation holds the schema
/// (Corpus/Schema.cs.txt) and one [Query] method per entry; the analyzer and the generator run over it once, and each
/// entry checks the diagnostics on its own method.
/// </summary>
public sealed class CorpusTests(ITestOutputHelper output)
{
    private const int MinimumEntries = 40;

    private static readonly Lazy<IReadOnlyList<CorpusEntry>> Entries = new(() => CorpusFile.Parse(File.ReadAllText(CorpusPath("citus-corpus.md"))));

    private static readonly Lazy<CorpusRun> Run = new(() => CorpusRun.Execute(Entries.Value));

    public static TheoryData<string> EntryIds()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Entries.Value)
        {
            data.Add(entry.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EntryIds))]
    public void ShardGen_reports_what_the_entry_expects(string id)
    {
        var entry = Entries.Value.Single(e => e.Id == id);
        var run = Run.Value;
        var diagnostics = run.DiagnosticsOf(entry);
        var description = $"{entry.Id} {entry.Title}\n{entry.Sql}\nShardGen reported: {Describe(diagnostics)}";

        Assert.True(run.GeneratorException is null, $"The generator threw: {run.GeneratorException}");
        Assert.DoesNotContain(diagnostics, d => d.Id is "SG0113" or "SG0900" or "SG0114");
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct().OrderBy(i => i, StringComparer.Ordinal).ToList();
        var allShards = diagnostics.Any(d => d.Id == "SG0120");
        switch (entry.ShardGen)
        {
            case "none":
                Assert.True(errors.Count == 0 && !allShards, $"Expected no error and no SG0120. {description}");
                break;
            case "SG0120":
                Assert.True(errors.Count == 0 && allShards, $"Expected SG0120 and no error. {description}");
                break;
            default:
                var expected = entry.ShardGen.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).OrderBy(i => i, StringComparer.Ordinal).ToList();
                Assert.True(expected.SequenceEqual(errors), $"Expected {string.Join(", ", expected)}. {description}");
                break;
        }

        // An entry where ShardGen deliberately parts from Citus must say why.
        Assert.True(entry.Agrees || !string.IsNullOrWhiteSpace(entry.Note), $"{entry.Id} disagrees with Citus ({entry.Citus} vs {entry.ShardGen}) without a note.");
    }

    [Fact]
    public void The_corpus_is_large_enough_and_reports_its_agreement_with_Citus()
    {
        var entries = Entries.Value;
        Assert.True(entries.Count >= MinimumEntries, $"The corpus has {entries.Count} entries; it needs at least {MinimumEntries}.");
        Assert.Equal(entries.Count, entries.Select(e => e.Id).Distinct().Count());
        foreach (var entry in entries)
        {
            Assert.False(string.IsNullOrWhiteSpace(entry.Sql), $"{entry.Id} has no SQL.");
            Assert.False(string.IsNullOrWhiteSpace(entry.Source), $"{entry.Id} has no source.");
            Assert.True(CorpusEntry.IsCitusLabel(entry.Citus), $"{entry.Id}: unknown citus label '{entry.Citus}'.");
            Assert.Matches("^(none|SG\\d{4}(,\\s*SG\\d{4})*)$", entry.ShardGen);
        }

        // The schema itself is clean: every table is a table, nothing is skipped.
        Assert.Empty(Run.Value.SchemaDiagnostics);

        // The generated code of every entry compiles (and the generator did not fail).
        Assert.True(Run.Value.GeneratorException is null, $"The generator threw: {Run.Value.GeneratorException}");
        Assert.True(Run.Value.CompileErrors.Count == 0, "The corpus does not compile with the generated code:\n" + string.Join("\n", Run.Value.CompileErrors.Take(20)));

        var agreed = entries.Count(e => e.Agrees);
        output.WriteLine($"Citus corpus: {entries.Count} queries; ShardGen agrees with Citus on {agreed}/{entries.Count} ({100.0 * agreed / entries.Count:F1}%).");
        foreach (var group in entries.GroupBy(e => e.CitusKind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {group.Key}: {group.Count(e => e.Agrees)}/{group.Count()}");
        }

        foreach (var entry in entries.Where(e => !e.Agrees))
        {
            output.WriteLine($"  differs: {entry.Id} {entry.Title} (Citus: {entry.Citus}; ShardGen: {entry.ShardGen})");
        }
    }

    /// <summary>
    /// In a build the analyzer sees the compilation with the generator's output, where every [Query] method has a
    /// generated body. It must report exactly what it reports without it.
    /// </summary>
    [Fact]
    public void In_a_build_with_the_generated_code_the_analyzer_reports_the_same()
    {
        var run = Run.Value;
        foreach (var entry in Entries.Value)
        {
            var alone = run.DiagnosticsOf(entry).Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal);
            var inBuild = run.DiagnosticsInBuildOf(entry).Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal);
            Assert.True(alone.SequenceEqual(inBuild), $"{entry.Id}: {string.Join(", ", alone)} without the generated code, {string.Join(", ", inBuild)} with it.");
        }
    }

    internal static string CorpusPath(string file) => Path.Combine(AppContext.BaseDirectory, "Corpus", file);

    private static string Describe(IReadOnlyList<Diagnostic> diagnostics) =>
        diagnostics.Count == 0 ? "nothing" : string.Join("; ", diagnostics.Select(d => $"{d.Id} {d.Severity}: {d.GetMessage()}"));
}

/// <summary>One section of citus-corpus.md.</summary>
public sealed record CorpusEntry(string Id, string Title, string Sql, string Parameters, string Citus, string ShardGen, string Source, string? Note, string? Returns)
{
    public string MethodName => "Q" + Id;

    /// <summary>router, multi-key, multi-shard, reference, local or error.</summary>
    public string CitusKind => Citus.StartsWith("error:", StringComparison.Ordinal) ? "error" : Citus;

    /// <summary>Whether ShardGen's outcome is Citus' outcome: accepted the same way, or refused.</summary>
    public bool Agrees => CitusKind switch
    {
        "router" or "multi-key" or "reference" or "local" => ShardGen == "none",
        "multi-shard" => ShardGen == "SG0120",
        "error" => ShardGen is not ("none" or "SG0120"),
        _ => false,
    };

    public static bool IsCitusLabel(string label) =>
        label is "router" or "multi-key" or "multi-shard" or "reference" or "local"
        || (label.StartsWith("error: ", StringComparison.Ordinal) && label.Length > "error: ".Length);
}

/// <summary>
/// Reads citus-corpus.md: a <c>## NN. title</c> heading starts an entry; a <c>```sql</c> block holds its SQL; bullet lines
/// <c>- key: value</c> hold its fields (a line indented under a bullet continues it). Everything else is prose.
/// </summary>
public static class CorpusFile
{
    public static IReadOnlyList<CorpusEntry> Parse(string markdown)
    {
        var entries = new List<CorpusEntry>();
        string? title = null;
        var sql = new StringBuilder();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string? lastField = null;
        var inSql = false;

        void Flush()
        {
            if (title is null)
            {
                return;
            }

            var dot = title.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0)
            {
                throw new FormatException($"Corpus heading '{title}' does not start with a number and a dot.");
            }

            string Field(string key) => fields.TryGetValue(key, out var value) ? value : throw new FormatException($"Corpus entry '{title}' has no '{key}:'.");
            entries.Add(new CorpusEntry(
                title[..dot].Trim(),
                title[(dot + 1)..].Trim(),
                sql.ToString().Trim(),
                fields.TryGetValue("params", out var parameters) ? parameters.Trim('`', ' ') : string.Empty,
                Field("citus"),
                Field("shardgen"),
                Field("source"),
                fields.GetValueOrDefault("note"),
                fields.GetValueOrDefault("returns")?.Trim('`', ' ')));
            title = null;
            sql.Clear();
            fields.Clear();
            lastField = null;
        }

        foreach (var raw in markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (inSql)
            {
                if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    inSql = false;
                }
                else
                {
                    sql.Append(line).Append('\n');
                }

                continue;
            }

            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                Flush();
                title = line[3..].Trim();
                continue;
            }

            if (title is null)
            {
                continue;
            }

            if (line.StartsWith("```sql", StringComparison.Ordinal))
            {
                inSql = true;
            }
            else if (line.StartsWith("- ", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 2)
            {
                lastField = line[2..colon].Trim();
                fields[lastField] = line[(colon + 1)..].Trim();
            }
            else if (lastField is not null && line.Length > 0 && char.IsWhiteSpace(line[0]))
            {
                fields[lastField] += " " + line.Trim();
            }
            else
            {
                lastField = null;
            }
        }

        Flush();
        return entries;
    }
}

/// <summary>The corpus compiled once: the analyzer's and the generator's view of every entry.</summary>
internal sealed class CorpusRun
{
    private readonly Dictionary<string, List<Diagnostic>> _byMethod;
    private readonly Dictionary<string, List<Diagnostic>> _inBuildByMethod;

    private CorpusRun(Dictionary<string, List<Diagnostic>> byMethod, Dictionary<string, List<Diagnostic>> inBuildByMethod, IReadOnlyList<Diagnostic> schemaDiagnostics, Exception? generatorException, IReadOnlyList<Diagnostic> compileErrors)
    {
        _byMethod = byMethod;
        _inBuildByMethod = inBuildByMethod;
        SchemaDiagnostics = schemaDiagnostics;
        GeneratorException = generatorException;
        CompileErrors = compileErrors;
    }

    /// <summary>C# errors of the corpus compiled with the generated code (refused queries get a body that throws, so none).</summary>
    public IReadOnlyList<Diagnostic> CompileErrors { get; }

    /// <summary>ShardGen diagnostics outside every query method (on the model types).</summary>
    public IReadOnlyList<Diagnostic> SchemaDiagnostics { get; }

    /// <summary>What went wrong running the generator: an exception it threw, or a CS8785 it caused.</summary>
    public Exception? GeneratorException { get; }

    public IReadOnlyList<Diagnostic> DiagnosticsOf(CorpusEntry entry) =>
        _byMethod.TryGetValue(entry.MethodName, out var list) ? list : [];

    /// <summary>The entry's diagnostics when the analyzer runs over the compilation with the generated code, as in a build.</summary>
    public IReadOnlyList<Diagnostic> DiagnosticsInBuildOf(CorpusEntry entry) =>
        _inBuildByMethod.TryGetValue(entry.MethodName, out var list) ? list : [];

    public static CorpusRun Execute(IReadOnlyList<CorpusEntry> entries)
    {
        var schema = File.ReadAllText(CorpusTests.CorpusPath("Schema.cs.txt"));
        var queries = new StringBuilder("""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using ShardGen;

            namespace Corpus;

            public sealed partial class CorpusQueries
            {

            """);
        foreach (var entry in entries)
        {
            queries.Append("    // ").Append(entry.Id).Append(". ").Append(entry.Title).Append('\n');
            queries.Append("    [Query(\"\"\"\"\n").Append(Indent(entry.Sql, "        ")).Append("\n        \"\"\"\")]\n");
            queries.Append("    public partial ").Append(entry.Returns ?? ReturnTypeOf(entry.Sql)).Append(' ').Append(entry.MethodName)
                .Append('(').Append(entry.Parameters).Append(");\n\n");
        }

        queries.Append("}\n");
        var compilation = Compile(schema, queries.ToString());

        var exceptions = new List<Exception>();
        var analyzed = compilation
            .WithAnalyzers([new ShardGenAnalyzer()], new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), (ex, _, _) => exceptions.Add(ex), concurrentAnalysis: false, logAnalyzerExecutionTime: false))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        if (exceptions.Count > 0)
        {
            throw new AggregateException("The analyzer threw.", exceptions);
        }

        var (byMethod, outside) = ByMethod(analyzed);
        var generatorException = RunGenerator(compilation, out var generated);
        var compileErrors = generated.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

        // What a build sees: the same analyzer over the compilation that holds the generated code.
        var inBuild = generated
            .WithAnalyzers([new ShardGenAnalyzer()], new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), (ex, _, _) => exceptions.Add(ex), concurrentAnalysis: false, logAnalyzerExecutionTime: false))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        if (exceptions.Count > 0)
        {
            throw new AggregateException("The analyzer threw on the compilation with the generated code.", exceptions);
        }

        return new CorpusRun(byMethod, ByMethod(inBuild).ByMethod, outside, generatorException, compileErrors);
    }

    /// <summary>Diagnostics grouped by the [Query] method they are in (the SQL string is inside the method's attribute list).</summary>
    private static (Dictionary<string, List<Diagnostic>> ByMethod, List<Diagnostic> Outside) ByMethod(ImmutableArray<Diagnostic> diagnostics)
    {
        var byMethod = new Dictionary<string, List<Diagnostic>>(StringComparer.Ordinal);
        var outside = new List<Diagnostic>();
        foreach (var diagnostic in diagnostics)
        {
            var method = diagnostic.Location.SourceTree?.GetRoot().FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
            if (method is null)
            {
                outside.Add(diagnostic);
            }
            else
            {
                var name = method.Identifier.ValueText;
                if (!byMethod.TryGetValue(name, out var list))
                {
                    byMethod[name] = list = [];
                }

                list.Add(diagnostic);
            }
        }

        return (byMethod, outside);
    }

    internal static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "Corpus",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            Verifier.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    internal static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>
    /// The generator, through its public surface only. Both the generator and the analyzers assembly declare a public
    /// ShardGen.Generator.ShardGenGenerator (the analyzers share its parser sources), so it is loaded by assembly name.
    /// </summary>
    internal static IIncrementalGenerator CreateGenerator()
    {
        var type = Assembly.Load("ShardGen.Generator").GetType("ShardGen.Generator.ShardGenGenerator", throwOnError: true)!;
        return (IIncrementalGenerator)Activator.CreateInstance(type)!;
    }

    /// <summary>Runs the generator; returns what went wrong (its exception, or a CS8785 it reported), or null.</summary>
    internal static Exception? RunGenerator(Compilation compilation) => RunGenerator(compilation, out _);

    /// <summary>Runs the generator; <paramref name="output"/> is the compilation with the generated sources added.</summary>
    internal static Exception? RunGenerator(Compilation compilation, out Compilation output)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create([CreateGenerator().AsSourceGenerator()], parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out output, out var diagnostics);
        var result = driver.GetRunResult();
        if (result.Results[0].Exception is { } exception)
        {
            return exception;
        }

        var failed = diagnostics.Concat(result.Diagnostics).FirstOrDefault(d => d.Id == "CS8785");
        return failed is null ? null : new InvalidOperationException(failed.ToString());
    }

    private static string ReturnTypeOf(string sql)
    {
        var text = sql.TrimStart();
        var isWrite = text.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase);
        return isWrite && !sql.Contains("RETURNING", StringComparison.OrdinalIgnoreCase) ? "Task<int>" : "Task<List<CorpusRow>>";
    }

    private static string Indent(string text, string indent) =>
        string.Join("\n", text.Split('\n').Select(line => line.Length == 0 ? line : indent + line));
}

/// <summary>
/// samples/AnalyzerTour shows every rule once in its build output: its sources must raise each ShardGen rule
/// (but SG0900, ShardGen's own failure) exactly once, and nothing else.
/// </summary>
public sealed class AnalyzerTourTests
{
    [Fact]
    public async Task The_tour_raises_every_rule_exactly_once()
    {
        var directory = RepositoryRoot() is { } root ? Path.Combine(root, "samples", "AnalyzerTour") : null;
        Assert.True(directory is not null && Directory.Exists(directory), "samples/AnalyzerTour not found above " + AppContext.BaseDirectory);

        // The sample's implicit usings, then its sources.
        const string Usings = "global using System; global using System.Collections.Generic; global using System.Threading; global using System.Threading.Tasks;";
        var sources = Directory.GetFiles(directory!, "*.cs").Order(StringComparer.Ordinal).Select(File.ReadAllText).Prepend(Usings).ToArray();
        var compilation = CorpusRun.Compile(sources);
        var diagnostics = await compilation.WithAnalyzers([new ShardGenAnalyzer()]).GetAnalyzerDiagnosticsAsync();

        var expected = Diagnostics.All.Select(d => d.Id).Where(id => id != "SG0900").Order(StringComparer.Ordinal).ToList();
        var reported = diagnostics.Select(d => d.Id).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, reported);
    }

    private static string? RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ShardGen.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
