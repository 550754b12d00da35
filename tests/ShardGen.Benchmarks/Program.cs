using System.Diagnostics;
using System.Runtime.InteropServices;
using ShardGen.Benchmarks;

// The benchmark suite (docs/benchmarks.md). Every figure is measured against its baseline in the same run.
var options = Options.Parse(args);
if (options is null)
{
    Console.WriteLine(Options.Usage);
    return args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2;
}

#if DEBUG
Console.WriteLine("warning: a Debug build; run with -c Release for figures worth keeping.");
#endif

var figures = new List<Figure>();
var notes = new List<string>();
var started = Stopwatch.StartNew();
await using var clusters = new Clusters(options);
string? postgres = null;
foreach (var suite in options.Run)
{
    Console.WriteLine($"== {suite}{(options.Quick ? " (quick)" : "")}");
    var clock = Stopwatch.StartNew();
    var results = suite switch
    {
        "routed" => await Routed.RunAsync(clusters, options),
        "fanout" => await FanOut.RunAsync(clusters, options),
        "ingest" => await Ingest.RunAsync(clusters, options),
        "migrate" => await Migrate.RunAsync(clusters, options),
        "micro" => await Micro.RunAsync(clusters, options),
        "move" => await Move.RunAsync(options),
        "move-spread" => await MoveSpread.RunAsync(options),
        "citus" => await Citus.RunAsync(options, notes),
        _ => GeneratorSuite.Run(options),
    };
    if (suite is not ("generator" or "citus"))
    {
        postgres ??= await clusters.VersionAsync();
    }

    figures.AddRange(results);
    if (results.Count > 0)
    {
        Console.WriteLine(Report.Table(results));
    }

    Console.WriteLine($"   ({clock.Elapsed.TotalSeconds:F0} s)");
}

string[] described =
[
    $"{Environment.ProcessorCount} logical cores",
    $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024 * 1024.0):F1} GiB memory",
    RuntimeInformation.OSDescription,
    $".NET {Environment.Version}",
    postgres is null ? "no local PostgreSQL started" : $"PostgreSQL {postgres} (throwaway local servers: fsync off, shared_buffers 128MB)",
    .. notes,
    options.Quick ? "--quick sizes" : "full sizes",
];
var machine = string.Join("; ", described);
Console.WriteLine();
Console.WriteLine(machine);
Console.WriteLine(Report.Table(figures));
var (markdown, json) = Report.Write(figures, options, machine);
Console.WriteLine($"Written to {markdown} and {json} in {started.Elapsed.TotalSeconds:F0} s.");
return 0;
