using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ShardGen.Generator.Tests;

/// <summary>Compiles user source against the ShardGen runtime and runs the generator over it, offline.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(DistributedAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Npgsql.NpgsqlConnection).Assembly.Location),
    ];

    public static CSharpCompilation Compilation(string assemblyName, params string[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            [new ShardGenGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once; returns its result and the compilation with the generated sources.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run(Compilation compilation)
    {
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (driver.GetRunResult(), output, diagnostics);
    }

    public static (GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run(params string[] sources) =>
        Run(Compilation("Sample.Shop", sources));

    /// <summary>The generated sources by hint name.</summary>
    public static Dictionary<string, string> Sources(GeneratorDriverRunResult result) =>
        result.Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);

    /// <summary>The values a tracked step produced, in order.</summary>
    public static IEnumerable<object> StepOutputs(GeneratorDriverRunResult result, string step) =>
        result.Results.Single().TrackedSteps.TryGetValue(step, out var runs)
            ? runs.SelectMany(r => r.Outputs).Select(o => o.Value)
            : [];

    /// <summary>The table specs the parser produced (null for a type it skipped).</summary>
    public static List<Model.TableSpec?> TableSpecs(GeneratorDriverRunResult result) =>
        new[] { TrackingNames.DistributedTables, TrackingNames.ReferenceTables, TrackingNames.LocalTables }
            .SelectMany(step => StepOutputs(result, step))
            .Select(o => o as Model.TableSpec)
            .ToList();

    public static Model.SchemaModel Schema(GeneratorDriverRunResult result) =>
        StepOutputs(result, TrackingNames.Schema).Cast<Model.SchemaModel>().Single();

    /// <summary>Errors and warnings of a compilation, except missing XML comments on the test's own source.</summary>
    public static List<Diagnostic> Problems(Compilation compilation) =>
        compilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Where(d => !(d.Id == "CS1591" && d.Location.SourceTree?.FilePath.StartsWith("Source", StringComparison.Ordinal) == true))
            .ToList();

    /// <summary>
    /// Generates and compiles <paramref name="source"/> as assembly "Shop" with no problem allowed, and loads it in a
    /// collectible context named <paramref name="context"/>: the generated sources and the assembly to run them from.
    /// </summary>
    public static (Dictionary<string, string> Sources, System.Reflection.Assembly Assembly) CompileAndLoad(string source, string context)
    {
        var (result, output, diagnostics) = Run(Compilation("Shop", source));
        AssertGeneratorDidNotFail(result, diagnostics);
        var problems = Problems(output);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        using var image = new MemoryStream();
        var emit = output.Emit(image);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        image.Position = 0;
        return (Sources(result), new System.Runtime.Loader.AssemblyLoadContext(context, isCollectible: true).LoadFromStream(image));
    }

    /// <summary>Whether the generator failed in a way the user would see (an exception, CS8785, AD0001).</summary>
    public static void AssertGeneratorDidNotFail(GeneratorDriverRunResult result, ImmutableArray<Diagnostic> diagnostics)
    {
        Assert.Null(result.Results.Single().Exception);
        Assert.DoesNotContain(diagnostics.Concat(result.Diagnostics), d => d.Id is "CS8785" or "AD0001");
    }
}
