using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Npgsql;
using ShardGen.Model;

namespace ShardGen.Benchmarks;

/// <summary>
/// BenchmarkDotNet micro-benchmarks, in process and on a short job (2 cores: the defaults would take far
/// longer than the suite's 3-minute budget): key → shard → worker routing for each key type, and the
/// generated row mapper against hand-written mapping.
/// </summary>
public static class Micro
{
    /// <summary>The unsharded server the row-mapping benchmarks read from (set before BenchmarkDotNet runs, in process).</summary>
    public static string ConnectionString { get; set; } = "";

    public static async Task<List<Figure>> RunAsync(Clusters clusters, Options options)
    {
        ConnectionString = await clusters.SingleAsync();

        var job = Job.ShortRun
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(options.Quick ? 1 : 3)
            .WithIterationCount(options.Quick ? 3 : 8)
            .WithIterationTime(TimeInterval.FromMilliseconds(options.Quick ? 100 : 250))
            .WithId("short");
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine(Options.RepositoryRoot(), "artifacts", "benchmarks", "micro"))
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
        var summary = BenchmarkRunner.Run([typeof(RoutingBenchmarks), typeof(RowMappingBenchmarks)], config).Single();

        var figures = new List<Figure>();
        double Median(string method) => summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method).ResultStatistics?.Median ?? double.NaN;
        long Allocated(string method)
        {
            var report = summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
            return report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
        }

        foreach (var (method, type) in new[] { ("RouteInt", "int"), ("RouteLong", "long"), ("RouteString", "string (24 chars)"), ("RouteGuid", "Guid") })
        {
            figures.Add(new Figure("micro", $"route a {type} key to shard and worker: time", Median(method), double.NaN, "ns", HigherIsBetter: false, "≤ 20 ns", 20));
            figures.Add(new Figure("micro", $"route a {type} key to shard and worker: allocated", Allocated(method), double.NaN, "bytes", HigherIsBetter: false, "0 bytes", 0));
        }

        figures.Add(new Figure("micro", "read and map one streamed row: generated row mapper vs by hand", Median("ReadGenerated"), Median("ReadByHand"), "ns",
            HigherIsBetter: false, Figure.NoGoal, double.PositiveInfinity,
            $"{Allocated("ReadGenerated")} vs {Allocated("ReadByHand")} bytes; reading without mapping: {Median("ReadOnly"):F0} ns"
            + (Median("ReadOnly") >= Math.Min(Median("ReadGenerated"), Median("ReadByHand")) ? " (not faster than reading and mapping: the server's pace and noise set these figures, not the mapping)" : "")));
        figures.Add(new Figure("micro", "bind a row's parameters: generated vs by hand", Median("BindGenerated"), Median("BindByHand"), "ns",
            HigherIsBetter: false, Figure.NoGoal, double.PositiveInfinity, $"{Allocated("BindGenerated")} vs {Allocated("BindByHand")} bytes"));
        return figures;
    }
}

/// <summary>Routing as the execution core does it for a routed call: the key's hash, its shard, the shard's worker.</summary>
public class RoutingBenchmarks
{
    private ColocationGroup _int = null!;
    private ColocationGroup _long = null!;
    private ColocationGroup _text = null!;
    private ColocationGroup _uuid = null!;
    private ShardKey[] _ints = null!;
    private ShardKey[] _longs = null!;
    private ShardKey[] _texts = null!;
    private ShardKey[] _uuids = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        // Two workers that are never connected to: routing does not touch the network.
        Node[] workers =
        [
            new("worker1", "127.0.0.1", 1, "bench", NpgsqlDataSource.Create("Host=127.0.0.1;Port=1"), "Host=127.0.0.1;Port=1"),
            new("worker2", "127.0.0.1", 2, "bench", NpgsqlDataSource.Create("Host=127.0.0.1;Port=2"), "Host=127.0.0.1;Port=2"),
        ];
        var nodeOfShard = Enumerable.Range(0, 32).Select(i => workers[i % 2]).ToArray();
        _int = new ColocationGroup(1, "int4", DistributionKeyType.Int32, nodeOfShard);
        _long = new ColocationGroup(2, "int8", DistributionKeyType.Int64, nodeOfShard);
        _text = new ColocationGroup(3, "text", DistributionKeyType.Text, nodeOfShard);
        _uuid = new ColocationGroup(4, "uuid", DistributionKeyType.Uuid, nodeOfShard);
        var random = new Random(42);
        _ints = Enumerable.Range(0, 1024).Select(_ => (ShardKey)random.Next()).ToArray();
        _longs = Enumerable.Range(0, 1024).Select(_ => (ShardKey)random.NextInt64()).ToArray();
        _texts = Enumerable.Range(0, 1024).Select(i => (ShardKey)$"tenant-{random.Next():D10}-{i:D6}").ToArray();
        _uuids = Enumerable.Range(0, 1024).Select(_ => (ShardKey)Guid.NewGuid()).ToArray();
    }

    [Benchmark]
    public Node RouteInt() => Route(_int, _ints);

    [Benchmark]
    public Node RouteLong() => Route(_long, _longs);

    [Benchmark]
    public Node RouteString() => Route(_text, _texts);

    [Benchmark]
    public Node RouteGuid() => Route(_uuid, _uuids);

    private Node Route(ColocationGroup group, ShardKey[] keys)
    {
        var key = keys[_next++ & 1023];
        return group.NodeOfShard(group.ShardIndexOf(key));
    }
}

/// <summary>
/// The generated row mapper against the same mapping written by hand. Each reads row after row of one long
/// streamed result (generated by the server as it is read), so that an operation is one row from Npgsql's
/// buffer and its mapping, not a round trip; binding is measured on a command's parameter collection.
/// </summary>
public class RowMappingBenchmarks
{
    // Constant columns (folded once by the planner) over two small function scans joined: each scan is
    // materialized at once, but their cross product streams, so rows come at once and never run out during
    // a run, and the server's work per row is as small as it gets. A third benchmark reads without mapping:
    // the floor the server and Npgsql set.
    private const string Sql = """
        SELECT 42::bigint, 7::bigint, 'category 7'::text, 12::integer, 99.5::numeric, 'a note'::text
          FROM generate_series(1, 100000) AS a
         CROSS JOIN generate_series(1, 100000) AS b
        """;

    private readonly BenchItem _row = new(42, 7, "category 7", 12, 99.5m, "a note");
    private NpgsqlConnection? _connection;
    private NpgsqlCommand? _query;
    private NpgsqlDataReader? _reader;
    private NpgsqlCommand _command = null!;

    [GlobalSetup(Targets = [nameof(ReadGenerated), nameof(ReadByHand), nameof(ReadOnly)])]
    public void OpenStream()
    {
        _connection = new NpgsqlConnection(Micro.ConnectionString);
        _connection.Open();
        _query = new NpgsqlCommand(Sql, _connection) { CommandTimeout = 0 };
        _reader = _query.ExecuteReader();
    }

    [GlobalCleanup(Targets = [nameof(ReadGenerated), nameof(ReadByHand), nameof(ReadOnly)])]
    public void CloseStream()
    {
        _query!.Cancel();
        try
        {
            _reader!.Dispose();
        }
        catch (PostgresException)
        {
            // 57014: the endless statement was cancelled, as intended.
        }

        _query.Dispose();
        _connection!.Dispose();
    }

    [GlobalSetup(Targets = [nameof(BindGenerated), nameof(BindByHand)])]
    public void CreateCommand() => _command = new NpgsqlCommand();

    [GlobalCleanup(Targets = [nameof(BindGenerated), nameof(BindByHand)])]
    public void DisposeCommand() => _command.Dispose();

    [Benchmark]
    public bool ReadOnly() => _reader!.Read();

    [Benchmark]
    public int ReadGenerated()
    {
        _reader!.Read();
        return BenchItemRowMapper.Read(_reader).Quantity;
    }

    [Benchmark]
    public int ReadByHand()
    {
        var reader = _reader!;
        reader.Read();
        var row = new BenchItem(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.GetDecimal(4), reader.IsDBNull(5) ? null : reader.GetString(5));
        return row.Quantity;
    }

    [Benchmark]
    public int BindGenerated()
    {
        var parameters = _command.Parameters;
        parameters.Clear();
        BenchItemRowMapper.Bind(parameters, _row);
        return parameters.Count;
    }

    [Benchmark]
    public int BindByHand()
    {
        var parameters = _command.Parameters;
        parameters.Clear();
        parameters.Add(new NpgsqlParameter<long> { TypedValue = _row.TenantId });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = _row.Id });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = _row.Category });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = _row.Quantity });
        parameters.Add(new NpgsqlParameter<decimal> { TypedValue = _row.Price });
        parameters.Add(new NpgsqlParameter { Value = (object?)_row.Note ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return parameters.Count;
    }
}
