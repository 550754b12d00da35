using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using ShardGen.Tests.Transactions;
using Xunit.Abstractions;

namespace ShardGen.Tests.Hosting;

/// <summary>
/// Spans, measurements and log events of real calls (routed, multi-shard, two-phase commit, recovery) on a real cluster.
/// Listeners of an activity source or meter are process-wide: these tests run alone, after the parallel ones.
/// </summary>
[CollectionDefinition("telemetry", DisableParallelization = true)]
public sealed class TelemetryCollection
{
}

[Collection("telemetry")]
public sealed partial class TelemetryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalPostgresCluster _cluster = null!;
    private readonly CollectingLoggerProvider _logs = new();
    private ILoggerFactory _loggerFactory = null!;

    public async Task InitializeAsync()
    {
        // Logical replication on, for the shard move of the fenced-call tests.
        _cluster = await LocalPostgresCluster.StartAsync(workers: 2, new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["wal_level"] = "logical" } });
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
    }

    public async Task DisposeAsync()
    {
        _loggerFactory.Dispose();
        await _cluster.DisposeAsync();
    }

    private ShardedDataSource CreateSource(bool includeErrorDetail = false, TimeSpan? slowFanOut = null, int? maxConnections = null, bool refreshMap = true)
    {
        var builder = new ShardedDataSourceBuilder(_cluster.CoordinatorConnectionString)
            .UseSchema(TransactionCluster.Schema)
            .UseShardCount(8)
            .UseTransactionRecovery(TimeSpan.Zero, onLoad: false)
            .UseLoggerFactory(_loggerFactory)
            .IncludeErrorDetail(includeErrorDetail);
        if (!refreshMap)
        {
            builder.UseMapRefresh(TimeSpan.Zero);
        }

        if (maxConnections is { } max)
        {
            builder.UseMaxConnectionsPerNode(max);
        }
        if (slowFanOut is { } threshold)
        {
            builder.UseSlowFanOutThreshold(threshold);
        }

        for (var i = 0; i < _cluster.WorkerConnectionStrings.Count; i++)
        {
            builder.AddWorker(_cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder.Build();
    }

    [Fact]
    public async Task A_routed_call_has_a_span_with_the_database_conventions_shard_and_node_and_a_duration_without_the_key()
    {
        await using var source = CreateSource();
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        using var capture = new TelemetryCapture();

        await db.Accounts.InsertAsync(new Account(42, 1, "traced", 1m));
        Assert.Equal("traced", (await db.Accounts.GetAsync(42, 1))?.Owner);

        var route = source.CurrentShardMap!.Route(AccountRepository.Definition, 42L);
        var get = Assert.Single(capture.Spans, s => s.DisplayName == "SELECT accounts");
        Assert.Equal(ActivityKind.Client, get.Kind);
        Assert.Equal("postgresql", get.GetTagItem("db.system.name"));
        Assert.Equal("SELECT", get.GetTagItem("db.operation.name"));
        Assert.Equal("accounts", get.GetTagItem("db.collection.name"));
        Assert.Equal("router", get.GetTagItem("shardgen.call.kind"));
        Assert.Equal(route.Node.Name, get.GetTagItem("shardgen.node"));
        Assert.Equal(route.Node.Host, get.GetTagItem("server.address"));
        Assert.Equal(route.Node.Port, get.GetTagItem("server.port"));
        Assert.Equal(route.ShardId, get.GetTagItem("shardgen.shard.id"));
        Assert.Null(get.GetTagItem("shardgen.key"));
        Assert.Single(capture.Spans, s => s.DisplayName == "INSERT accounts" && (string?)s.GetTagItem("shardgen.node") == route.Node.Name);

        var durations = capture.Of("shardgen.call.duration");
        Assert.Contains(durations, m => (string?)m.Tags["shardgen.call.kind"] == "router" && (string?)m.Tags["db.operation.name"] == "SELECT"
            && (string?)m.Tags["db.collection.name"] == "accounts" && m.Value > 0);
        Assert.Contains(durations, m => (string?)m.Tags["db.operation.name"] == "INSERT");

        // A failed call: the span and the measurement say what kind of failure.
        capture.Clear();
        await Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.InsertAsync(new Account(42, 1, "again", 1m)));
        var failed = Assert.Single(capture.Spans, s => s.DisplayName == "INSERT accounts");
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("23505", failed.GetTagItem("error.type"));
        Assert.Contains(capture.Of("shardgen.call.duration"), m => (string?)m.Tags.GetValueOrDefault("error.type") == "23505");
    }

    [Fact]
    public async Task Reads_in_a_transaction_have_their_call_span()
    {
        await using var source = CreateSource();
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        await db.Accounts.InsertAsync(new Account(77, 1, "in a transaction", 1m));

        using var capture = new TelemetryCapture();
        await using (var tx = await source.BeginTransactionAsync())
        {
            Assert.NotNull(await db.Accounts.GetAsync(77, 1));
            var streamed = new List<Account>();
            await foreach (var account in source.Query(Queries.TestQueries.AccountsOfTenant).StreamAsync(
                77L, 77L, static (p, t) => p.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = t }), AccountRowMapper.Read, default))
            {
                streamed.Add(account);
            }

            Assert.Single(streamed);
            await tx.CommitAsync();
        }

        var reads = capture.Spans.Where(s => s.DisplayName == "SELECT accounts").ToList();
        Assert.Equal(2, reads.Count);
        Assert.All(reads, r => Assert.Equal("router", r.GetTagItem("shardgen.call.kind")));
        Assert.Single(reads, r => (string?)r.GetTagItem("shardgen.query") == Queries.TestQueries.AccountsOfTenant.Name);
        Assert.Equal(2, capture.Of("shardgen.call.duration").Count(m => (string?)m.Tags["db.operation.name"] == "SELECT"));
    }

    [Fact]
    public async Task The_key_is_in_the_span_only_when_the_user_opts_in()
    {
        await using var source = CreateSource(includeErrorDetail: true);
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        using var capture = new TelemetryCapture();
        await db.Accounts.GetAsync(4242, 1);
        Assert.Equal("4242", Assert.Single(capture.Spans, s => s.DisplayName == "SELECT accounts").GetTagItem("shardgen.key"));
    }

    [Fact]
    public async Task A_multi_shard_read_has_a_child_span_per_node_and_measures_its_width_and_rows_and_a_slow_one_is_logged()
    {
        await using var source = CreateSource(slowFanOut: TimeSpan.FromTicks(1));
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        for (var tenant = 1; tenant <= 20; tenant++)
        {
            await db.Accounts.InsertAsync(new Account(tenant, 1, "fan", 1m));
        }

        using var capture = new TelemetryCapture();
        _logs.Entries.Clear();
        var rows = await db.Accounts.ListAllAsync();
        Assert.Equal(20, rows.Count);

        var parent = Assert.Single(capture.Spans, s => s.GetTagItem("shardgen.call.kind") as string == "multi-shard");
        Assert.Equal("SELECT accounts", parent.DisplayName);
        Assert.Equal(2, parent.GetTagItem("shardgen.nodes"));
        Assert.Equal(20L, parent.GetTagItem("shardgen.rows"));
        var children = capture.Spans.Where(s => s.ParentSpanId == parent.SpanId).ToList();
        Assert.Equal(["worker1", "worker2"], children.Select(c => (string)c.GetTagItem("shardgen.node")!).Order());
        Assert.All(children, c => Assert.Equal(4, c.GetTagItem("shardgen.shard.count")));
        Assert.Equal(20L, children.Sum(c => (long)c.GetTagItem("shardgen.rows")!));

        Assert.Equal(2, Assert.Single(capture.Of("shardgen.fanout.width")).Value);
        Assert.Equal(20, Assert.Single(capture.Of("shardgen.fanout.rows")).Value);
        Assert.Contains(capture.Of("shardgen.call.duration"), m => (string?)m.Tags["shardgen.call.kind"] == "multi-shard");

        var slow = Assert.Single(_logs.Entries, e => e.EventId.Id == 4001);
        Assert.Equal(LogLevel.Warning, slow.Level);
        Assert.Contains("'accounts'", slow.Message);
        Assert.Matches("slowest node 'worker[12]'", slow.Message);
    }

    [Fact]
    public async Task Two_phase_commit_has_a_span_per_step_is_counted_and_logged_and_recovery_is_too()
    {
        await using var source = CreateSource();
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        var map = await source.GetShardMapAsync();
        long onWorker1 = 0, onWorker2 = 0;
        for (long tenant = 100; onWorker1 == 0 || onWorker2 == 0; tenant++)
        {
            if (map.Route(AccountRepository.Definition, tenant).Node.Name == "worker1")
            {
                onWorker1 = onWorker1 == 0 ? tenant : onWorker1;
            }
            else
            {
                onWorker2 = onWorker2 == 0 ? tenant : onWorker2;
            }
        }

        using var capture = new TelemetryCapture();
        _logs.Entries.Clear();
        await using (var tx = await source.BeginTransactionAsync())
        {
            await db.Accounts.InsertAsync(new Account(onWorker1, 1, "a", 1m));
            await db.Accounts.InsertAsync(new Account(onWorker2, 1, "b", 1m));
            await tx.CommitAsync();
        }

        var commit = Assert.Single(capture.Spans, s => s.DisplayName == "shardgen.commit");
        Assert.Equal("committed", commit.GetTagItem("shardgen.transaction.outcome"));
        Assert.Equal(true, commit.GetTagItem("shardgen.transaction.two_phase"));
        var steps = capture.Spans.Where(s => s.ParentSpanId == commit.SpanId).ToList();
        Assert.Equal(
            ["shardgen.2pc COMMIT PREPARED worker1", "shardgen.2pc COMMIT PREPARED worker2", "shardgen.2pc COMMIT decision coordinator",
             "shardgen.2pc PREPARE TRANSACTION worker1", "shardgen.2pc PREPARE TRANSACTION worker2", "shardgen.2pc forget decision coordinator",
             "shardgen.2pc record decision coordinator"],
            steps.Select(s => $"{s.DisplayName} {s.GetTagItem("shardgen.node")}").Order(StringComparer.Ordinal));
        Assert.Contains(capture.Of("shardgen.transaction.count"), m => (string?)m.Tags["shardgen.transaction.outcome"] == "committed" && (bool?)m.Tags["shardgen.transaction.two_phase"] == true);
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 3001 && e.Message.Contains("worker1") && e.Message.Contains("worker2"));

        // A crash after the decision leaves a prepared part; recovery commits it, and says so.
        source.FaultHook = (step, node) => step == TransactionStep.CommitPrepared && node == "worker2" ? throw new InvalidOperationException("crash") : Task.CompletedTask;
        await using (var tx = await source.BeginTransactionAsync())
        {
            await db.Accounts.InsertAsync(new Account(onWorker1, 2, "a", 1m));
            await db.Accounts.InsertAsync(new Account(onWorker2, 2, "b", 1m));
            await Assert.ThrowsAsync<InvalidOperationException>(() => tx.CommitAsync());
        }

        source.FaultHook = null;
        capture.Clear();
        var result = await source.RecoverAsync();
        Assert.Equal(1, result.Committed);
        var recover = Assert.Single(capture.Spans, s => s.DisplayName == "shardgen.recover");
        Assert.Equal(1, recover.GetTagItem("shardgen.recovery.committed"));
        var action = Assert.Single(capture.Spans, s => s.ParentSpanId == recover.SpanId);
        Assert.Equal("shardgen.recovery COMMIT PREPARED", action.DisplayName);
        Assert.Equal("worker2", action.GetTagItem("shardgen.node"));
        Assert.Equal(ActivityStatusCode.Unset, action.Status);
        Assert.Equal(1, Assert.Single(capture.Of("shardgen.recovery.actions"), m => (string?)m.Tags["shardgen.recovery.action"] == "commit").Value);
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 2001 && e.Level == LogLevel.Information && e.Message.Contains("1 committed"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(_cluster.WorkerConnectionStrings[1], "SELECT count(*) FROM pg_prepared_xacts"));
    }

    [Fact]
    public async Task A_wait_at_a_nodes_connection_cap_is_measured()
    {
        await using (var applying = CreateSource())
        {
            await new ShardDatabase(applying).ApplySchemaAsync();
        }

        await using var source = CreateSource(maxConnections: 1);
        var db = new ShardDatabase(source);
        var map = await source.GetShardMapAsync();
        long tenant = 1;
        while (map.Route(AccountRepository.Definition, tenant).Node.Name != "worker1")
        {
            tenant++;
        }

        using var capture = new TelemetryCapture();
        Task<List<Account>> read;
        await using (var tx = await source.BeginTransactionAsync())
        {
            // The transaction holds worker1's only connection; a read of every shard, outside it, waits for it.
            await db.Accounts.InsertAsync(new Account(tenant, 1, "held", 1m));
            using (ExecutionContext.SuppressFlow())
            {
                read = Task.Run(() => db.Accounts.ListAllAsync());
            }

            await Task.Delay(300);
            Assert.False(read.IsCompleted);
            await tx.CommitAsync();
        }

        Assert.Contains(await read, a => a.Owner == "held");
        var wait = Assert.Single(capture.Of("shardgen.pool.wait_time"));
        Assert.Equal("worker1", wait.Tags["shardgen.node"]);
        Assert.Equal("acquired", wait.Tags["shardgen.pool.outcome"]);
        Assert.True(wait.Value >= 0.2, $"waited {wait.Value} s");
    }

    [Fact]
    public async Task The_map_load_is_logged_at_information_and_routed_calls_log_nothing_above_debug()
    {
        await using var source = CreateSource();
        var db = new ShardDatabase(source);
        _logs.Entries.Clear();
        await db.ApplySchemaAsync();
        await source.RefreshAsync();
        Assert.Contains(_logs.Entries, e => e.EventId.Id == 1001 && e.Level == LogLevel.Information && e.Category == "ShardGen" && e.Message.Contains("2 workers"));

        _logs.Entries.Clear();
        for (var i = 0; i < 50; i++)
        {
            await db.Accounts.UpsertAsync(new Account(7, i, "quiet", i));
            await db.Accounts.GetAsync(7, i);
        }

        // ShardGen's own events; Npgsql logs each command at Information under Npgsql.Command (docs/observability.md).
        Assert.Contains(_logs.Entries, e => e.Category == "Npgsql.Command");
        Assert.DoesNotContain(_logs.Entries, e => e.Category == "ShardGen" && e.Level >= LogLevel.Information);
    }

    [Fact]
    public async Task With_nobody_listening_a_call_scope_allocates_nothing()
    {
        Assert.False(Telemetry.Source.HasListeners());
        Assert.False(Telemetry.CallDuration.Enabled);
        var names = new CallNames(TransactionCluster.Schema, 0, isQuery: false);
        Assert.Equal(0, Allocations.Fewest(() => Run(10_000)));
        var clock = Stopwatch.StartNew();
        Run(1_000_000);
        output.WriteLine($"call scope with nobody listening: {clock.Elapsed.TotalNanoseconds / 1_000_000:F1} ns per call, 0 B");

        // The figures of a routed read with and without a listener, for docs/observability.md (a benchmark, not asserted).
        await using var source = CreateSource();
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        await db.Accounts.InsertAsync(new Account(9, 1, "measured", 1m));
        var quiet = await MeasureAsync(db);
        using (new TelemetryCapture())
        {
            var traced = await MeasureAsync(db);
            output.WriteLine($"routed GetAsync, 2000 calls: no listener {quiet.Micros:F1} us/call, {quiet.Bytes} B/call; spans and metrics on {traced.Micros:F1} us/call, {traced.Bytes} B/call");
        }

        void Run(int times)
        {
            for (var i = 0; i < times; i++)
            {
                var scope = CallScope.Start(names, 0, Telemetry.Kinds.Router);
                scope.End();
            }
        }
    }

    private static async Task<(double Micros, long Bytes)> MeasureAsync(ShardDatabase db)
    {
        for (var i = 0; i < 200; i++)
        {
            await db.Accounts.GetAsync(9, 1);
        }

        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 2000; i++)
        {
            await db.Accounts.GetAsync(9, 1);
        }

        return (clock.Elapsed.TotalMicroseconds / 2000, (GC.GetTotalAllocatedBytes(precise: true) - bytes) / 2000);
    }
}
