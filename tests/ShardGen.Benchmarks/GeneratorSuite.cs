using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ShardGen.Generator;

namespace ShardGen.Benchmarks;

/// <summary>
/// The incremental generator on a large synthetic model: 200 tables (150 distributed in one colocation
/// group, 40 reference, 10 local) and 500 [Query] methods (router, fan-out, reference), driven with
/// CSharpGeneratorDriver as an IDE drives it. Timed: a full run, then a rerun after an edit that touches no
/// table or query, which must leave every tracked step Cached or Unchanged.
/// </summary>
public static class GeneratorSuite
{
    private const int Distributed = 150;
    private const int Reference = 40;
    private const int Local = 10;
    private const int Queries = 500;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static List<Figure> Run(Options options)
    {
        var compilation = CSharpCompilation.Create(
            "Synthetic.Shop",
            [.. Sources().Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, path: s.Path))],
            [
                .. Net100.References.All,
                MetadataReference.CreateFromFile(typeof(DistributedAttribute).Assembly.Location),
                MetadataReference.CreateFromFile(typeof(Npgsql.NpgsqlConnection).Assembly.Location),
            ],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        // The first run pays for JIT. Each run gets a clone of the compilation, which shares the parsed trees
        // but none of the semantic work a previous run did: a full run binds what the generator asks for.
        // Timing drivers do not track steps (an IDE's do not either: tracking keeps every step's inputs and
        // outputs); a tracking driver beside them checks, edit after edit, that every step was cached.
        var cold = TimeRun(NewDriver(track: false), compilation.Clone(), out _);
        var full = TimeRun(NewDriver(track: false), compilation.Clone(), out var driver);
        var tracking = NewDriver(track: true).RunGenerators(compilation.Clone());
        var result = driver.GetRunResult();
        var generated = result.Results.Single().GeneratedSources;
        var refused = generated.Count(s => s.SourceText.ToString().Contains("throw new global::System.NotSupportedException", StringComparison.Ordinal));
        var errors = result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);

        // Unrelated edits, one after another as an IDE sees them: a new file, then a changed method body in a
        // class that is no table and has no query, three times. The median rerun is reported; every rerun's
        // tracked steps must be Cached or Unchanged.
        var current = (Compilation)compilation;
        var reruns = new List<double>();
        var notCached = new List<string>();
        for (var edit = 1; edit <= 3; edit++)
        {
            current = Edit(current, edit);
            var clock = Stopwatch.StartNew();
            driver = driver.RunGenerators(current);
            reruns.Add(clock.Elapsed.TotalMilliseconds);
            tracking = tracking.RunGenerators(current);
            foreach (var (step, runs) in tracking.GetRunResult().Results.Single().TrackedSteps)
            {
                if (!TrackingNames.All.Contains(step))
                {
                    continue;
                }

                var reasons = string.Join(", ", runs.SelectMany(r => r.Outputs).Select(o => o.Reason)
                    .Where(r => r is not IncrementalStepRunReason.Cached and not IncrementalStepRunReason.Unchanged)
                    .GroupBy(r => r)
                    .Select(g => $"{g.Count()} {g.Key}"));
                if (reasons.Length > 0)
                {
                    notCached.Add($"edit {edit}, {step}: {reasons}");
                }
            }
        }

        reruns.Sort();
        var incremental = reruns[1];

        // Roslyn's own floor for the same edits: a generator that only finds the four attributes and does nothing.
        var floorDriver = CSharpGeneratorDriver.Create([new FloorGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
            .RunGenerators(compilation.Clone())
            .RunGenerators(compilation.Clone());
        var floors = new List<double>();
        current = compilation;
        for (var edit = 1; edit <= 3; edit++)
        {
            current = Edit(current, edit);
            var clock = Stopwatch.StartNew();
            floorDriver = floorDriver.RunGenerators(current);
            floors.Add(clock.Elapsed.TotalMilliseconds);
        }

        floors.Sort();
        Console.WriteLine($"  {generated.Length} files generated, {refused} refused query bodies, {errors} generator errors; cold first run {cold:F0} ms; reruns {string.Join(", ", reruns.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} ms");
        var notes = $"{Distributed + Reference + Local} tables, {Queries} queries, {generated.Length} files, {refused} refused, {errors} errors";
        return
        [
            new Figure("generator", "full run (fresh driver, after a warm-up driver)", full, double.NaN, "ms", HigherIsBetter: false, "≤ 1,000 ms", 1_000, notes),
            new Figure("generator", "rerun after an unrelated edit (median of 3) vs the full run", incremental, full, "ms", HigherIsBetter: false, Figure.NoGoal, double.PositiveInfinity,
                notCached.Count == 0 ? "every tracked step Cached/Unchanged" : "**not cached:** " + string.Join("; ", notCached)),
            new Figure("generator", "rerun after an unrelated edit vs Roslyn's floor (a generator that only finds the attributes)", incremental, floors[1], "ms",
                HigherIsBetter: false, Figure.NoGoal, double.PositiveInfinity),
            new Figure("generator", "tracked steps not Cached/Unchanged after the edit", notCached.Count, double.NaN, "steps", HigherIsBetter: false, "0", 0,
                notCached.Count == 0 ? "" : string.Join("; ", notCached)),
        ];
    }

    /// <summary>An edit that touches no table or query: a new file, and a changed method body in a class that is neither.</summary>
    private static Compilation Edit(Compilation current, int edit)
    {
        var helper = current.SyntaxTrees.Single(t => t.FilePath == "Helper.cs");
        return current
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText($"namespace Synthetic.Shop; public static class Unrelated{edit} {{ public static int Two() => 2; }}", ParseOptions, path: $"Unrelated{edit}.cs"))
            .ReplaceSyntaxTree(helper, CSharpSyntaxTree.ParseText(HelperSource.Replace("=> 1;", $"=> {edit} + 1;", StringComparison.Ordinal), ParseOptions, path: "Helper.cs"));
    }

    private static GeneratorDriver NewDriver(bool track) =>
        CSharpGeneratorDriver.Create(
            [new ShardGenGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: track));

    private static double TimeRun(GeneratorDriver driver, Compilation compilation, out GeneratorDriver after)
    {
        var clock = Stopwatch.StartNew();
        after = driver.RunGenerators(compilation);
        return clock.Elapsed.TotalMilliseconds;
    }

    private const string HelperSource = "namespace Synthetic.Shop; public static class Helper { public static int One() => 1; }";

    private static IEnumerable<(string Path, string Text)> Sources()
    {
        yield return ("Helper.cs", HelperSource);
        var tables = new StringBuilder("using System;\nusing ShardGen;\n\nnamespace Synthetic.Shop;\n\n");
        for (var i = 0; i < Distributed; i++)
        {
            tables.AppendLine(CultureInfo.InvariantCulture, $"[Distributed(nameof(TenantId), Table = \"d{i:D3}\")]");
            tables.AppendLine(CultureInfo.InvariantCulture, $"public sealed record D{i:D3}(long TenantId, long Id, string Name, int Quantity, decimal Amount, string? Note, DateTimeOffset CreatedAt);");
        }

        for (var i = 0; i < Reference; i++)
        {
            tables.AppendLine(CultureInfo.InvariantCulture, $"[Reference(Table = \"r{i:D3}\")]");
            tables.AppendLine(CultureInfo.InvariantCulture, $"public sealed record R{i:D3}([property: PrimaryKey] string Code, string Name, int Rank);");
        }

        for (var i = 0; i < Local; i++)
        {
            tables.AppendLine(CultureInfo.InvariantCulture, $"[Local(Table = \"l{i:D3}\")]");
            tables.AppendLine(CultureInfo.InvariantCulture, $"public sealed record L{i:D3}([property: PrimaryKey] string Key, string Value);");
        }

        yield return ("Tables.cs", tables.ToString());

        var results = """
            namespace Synthetic.Shop;

            public sealed record NameRow(long Id, string Name);
            public sealed record CountRow(string Name, long N, decimal Total);
            public sealed record TopRow(long TenantId, long Id, decimal Amount);
            public sealed record JoinRow(long Id, string Name, string RefName);
            public sealed record RefRow(string Code, string Name);
            """;
        yield return ("Results.cs", results);

        // 500 queries in 10 classes of 50: router, fan-out aggregate, fan-out top-N, router join with a
        // colocated table and a reference table, reference lookup, in turn.
        for (var c = 0; c < Queries / 50; c++)
        {
            var queries = new StringBuilder("using System.Collections.Generic;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing ShardGen;\n\nnamespace Synthetic.Shop;\n\n");
            queries.AppendLine(CultureInfo.InvariantCulture, $"public sealed partial class Queries{c:D2}(ShardDatabase db)\n{{\n    private readonly ShardDatabase _db = db;\n");
            for (var q = 0; q < 50; q++)
            {
                var n = c * 50 + q;
                var d = n % Distributed;
                var other = (n + 1) % Distributed;
                var r = n % Reference;
                var (sql, signature) = (n % 5) switch
                {
                    0 => ($"SELECT id, name FROM d{d:D3} WHERE tenant_id = @tenantId AND quantity > @minimum ORDER BY id LIMIT 20",
                          $"Task<List<NameRow>> Q{n:D3}(long tenantId, int minimum, CancellationToken cancellationToken = default)"),
                    1 => ($"SELECT name, count(*) AS n, sum(amount) AS total FROM d{d:D3} GROUP BY name ORDER BY n DESC LIMIT 10",
                          $"Task<List<CountRow>> Q{n:D3}(CancellationToken cancellationToken = default)"),
                    2 => ($"SELECT tenant_id, id, amount FROM d{d:D3} ORDER BY amount DESC, tenant_id, id LIMIT 5",
                          $"Task<List<TopRow>> Q{n:D3}(CancellationToken cancellationToken = default)"),
                    3 => ($"SELECT a.id, a.name, x.name AS ref_name FROM d{d:D3} a JOIN d{other:D3} b ON b.tenant_id = a.tenant_id AND b.id = a.id JOIN r{r:D3} x ON x.code = a.name WHERE a.tenant_id = @tenantId",
                          $"Task<List<JoinRow>> Q{n:D3}(long tenantId, CancellationToken cancellationToken = default)"),
                    _ => ($"SELECT code, name FROM r{r:D3} WHERE rank < @rank ORDER BY code",
                          $"Task<List<RefRow>> Q{n:D3}(int rank, CancellationToken cancellationToken = default)"),
                };
                queries.AppendLine(CultureInfo.InvariantCulture, $"    [Query(\"{sql}\")]");
                queries.AppendLine(CultureInfo.InvariantCulture, $"    public partial {signature};\n");
            }

            queries.AppendLine("}");
            yield return ($"Queries{c:D2}.cs", queries.ToString());
        }
    }
}

/// <summary>A generator that finds the same attributes as ShardGen's and does nothing with them: what any such generator pays on an edit.</summary>
internal sealed class FloorGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        foreach (var attribute in new[] { "ShardGen.DistributedAttribute", "ShardGen.ReferenceAttribute", "ShardGen.LocalAttribute", "ShardGen.QueryAttribute" })
        {
            var found = context.SyntaxProvider.ForAttributeWithMetadataName(attribute, static (_, _) => true, static (_, _) => 0);
            context.RegisterSourceOutput(found.Collect(), static (_, _) => { });
        }
    }
}
