using System.Globalization;

namespace ShardGen.Benchmarks;

/// <summary>The command line: a suite name, then flags. <c>--quick</c> picks sizes for a smoke run.</summary>
public sealed class Options
{
    public static readonly string[] Suites = ["routed", "fanout", "ingest", "migrate", "micro", "move", "move-spread", "generator", "citus"];

    public required string[] Arguments { get; init; }

    /// <summary>The arguments as reports show them: a <c>--citus</c> connection string (it may hold a password) replaced.</summary>
    public string[] ShownArguments => [.. Arguments.Select((a, i) => i > 0 && Arguments[i - 1] == "--citus" ? "\"<coordinator connection string>\"" : a)];

    /// <summary>The suites to run, in order.</summary>
    public required IReadOnlyList<string> Run { get; init; }

    public bool Quick { get; init; }

    /// <summary>Concurrent clients of the routed and citus suites (every side).</summary>
    public int Clients { get; init; } = 8;

    /// <summary>How long each side of each routed (and citus) operation runs.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Rows of the fan-out and ingest suites.</summary>
    public int Rows { get; init; }

    /// <summary>Measured runs of each fan-out query (the median is reported).</summary>
    public int Runs { get; init; }

    /// <summary>The move suite's <see cref="ShardMoveOptions.CopyNiceRatio"/> for the moves, rebalance and split after its first move (at full speed).</summary>
    public double NiceRatio { get; init; } = 2;

    /// <summary>The routed suite's Max Auto Prepare, for ShardGen's nodes and the raw baseline alike.</summary>
    public int AutoPrepare { get; init; } = ShardedDataSourceBuilder.DefaultMaxAutoPrepare;

    /// <summary>
    /// The Citus coordinator the citus suite runs against (<c>--citus</c>, else <c>SHARDGEN_CITUS_COORDINATOR</c>); null
    /// when none was given, and the suite then reports itself skipped.
    /// </summary>
    public string? CitusCoordinator { get; init; }

    public static Options? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            return null;
        }

        var suite = args[0];
        if (suite != "all" && !Suites.Contains(suite))
        {
            return null;
        }

        var quick = args.Contains("--quick");
        return new Options
        {
            Arguments = args,
            Run = suite == "all" ? Suites : [suite],
            Quick = quick,
            Clients = Flag(args, "--clients") ?? 8,
            Duration = TimeSpan.FromSeconds(Flag(args, "--seconds") ?? (quick ? 3 : 10)),
            Rows = Flag(args, "--rows") ?? (quick ? 100_000 : 1_000_000),
            Runs = Flag(args, "--runs") ?? (quick ? 5 : 15),
            NiceRatio = Text(args, "--nice-ratio") is { } nice ? double.Parse(nice, CultureInfo.InvariantCulture) : 2,
            AutoPrepare = Flag(args, "--auto-prepare") ?? ShardedDataSourceBuilder.DefaultMaxAutoPrepare,
            CitusCoordinator = Text(args, "--citus") ?? (Environment.GetEnvironmentVariable(Citus.CoordinatorVariable) is { Length: > 0 } given ? given : null),
        };
    }

    public static string Usage => """
        ShardGen benchmarks: each suite measures ShardGen against a baseline in the same run.

          dotnet run -c Release --project tests/ShardGen.Benchmarks -- <suite> [flags]

        suites: all | routed | fanout | ingest | migrate | micro | move | move-spread | generator | citus
        flags:  --quick            small sizes, for a smoke run (3 s per routed side, 100,000 rows, 5 runs)
                --clients N        concurrent clients of the routed and citus suites (default 8)
                --seconds N        seconds per side of each routed and citus operation (default 10)
                --rows N           rows of the fan-out, ingest, migrate, move and move-spread suites and of the citus suite's
                                   second aggregate (default 1,000,000)
                --runs N           measured runs per fan-out query, and of the citus suite's second
                                   aggregate; ten times as many of its first (default 15)
                --nice-ratio R     the move suites' copy nice ratio (after the move suite's first move; default 2)
                --auto-prepare N   Max Auto Prepare of every side of the routed and citus suites (default ShardGen's)
                --citus "CS"       the Npgsql connection string of a Citus coordinator for the citus suite
                                   (else SHARDGEN_CITUS_COORDINATOR; without either the suite is skipped)

        The database suites start a throwaway cluster (1 coordinator + 2 workers) and a single unsharded
        server from the local PostgreSQL binaries, and stop them at the end. The citus suite runs on the Citus
        cluster it is given (it drops and creates the benchmark model's tables there). Figures go to
        artifacts/benchmarks/ (results-<time>.md/.json and latest.md/.json).
        """;

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ShardGen.sln")))
            {
                return directory.FullName;
            }
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ShardGen.sln")))
            {
                return directory.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }

    private static int? Flag(string[] args, string name) =>
        Text(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    private static string? Text(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
