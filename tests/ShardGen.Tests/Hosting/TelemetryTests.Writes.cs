using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using ShardGen.Tests.Queries;
using ShardGen.Tests.Transactions;

namespace ShardGen.Tests.Hosting;

// Calls that write on several nodes: a bulk insert, a multi-shard write, a reference write on every copy, and a two-phase
// commit whose step fails.
public sealed partial class TelemetryTests
{
    [Fact]
    public async Task A_bulk_insert_has_a_span_with_a_child_per_node_written_is_measured_and_a_slow_one_is_logged()
    {
        await using var source = CreateSource(slowFanOut: TimeSpan.FromTicks(1));
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        var map = await source.GetShardMapAsync();
        var rows = Enumerable.Range(1, 40).Select(i => new Account(500 + (i % 20), i, "bulk", i)).ToList();
        var perWorker = rows.GroupBy(r => map.Route(AccountRepository.Definition, r.TenantId).Node.Name).ToDictionary(g => g.Key, g => g.Count());
        var shardsPerWorker = rows.Select(r => map.Route(AccountRepository.Definition, r.TenantId))
            .DistinctBy(r => r.ShardIndex).GroupBy(r => r.Node.Name).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, perWorker.Count);

        using var capture = new TelemetryCapture();
        _logs.Entries.Clear();
        Assert.Equal(40, await db.Accounts.BulkInsertAsync(rows));

        var call = Assert.Single(capture.Spans, s => s.DisplayName == "COPY accounts" && s.ParentSpanId == default);
        Assert.Equal(ActivityKind.Internal, call.Kind);
        Assert.Equal("multi-shard", call.GetTagItem("shardgen.call.kind"));
        Assert.Equal("COPY", call.GetTagItem("db.operation.name"));
        Assert.Equal("accounts", call.GetTagItem("db.collection.name"));
        Assert.Equal(2, call.GetTagItem("shardgen.nodes"));
        Assert.Equal(40L, call.GetTagItem("shardgen.rows"));

        var nodes = capture.Spans.Where(s => s.ParentSpanId == call.SpanId && s.DisplayName == "COPY accounts").ToList();
        Assert.Equal(["worker1", "worker2"], nodes.Select(n => (string)n.GetTagItem("shardgen.node")!).Order());
        Assert.All(nodes, n =>
        {
            var worker = (string)n.GetTagItem("shardgen.node")!;
            Assert.Equal(ActivityKind.Client, n.Kind);
            Assert.Equal((long)perWorker[worker], n.GetTagItem("shardgen.rows"));
            Assert.Equal(shardsPerWorker[worker], n.GetTagItem("shardgen.shard.count"));
            Assert.Equal(_cluster.Workers[worker == "worker1" ? 0 : 1].Port, n.GetTagItem("server.port"));
        });

        // The call's own transaction reached two workers: its two-phase commit is part of the call.
        var commit = Assert.Single(capture.Spans, s => s.DisplayName == "shardgen.commit");
        Assert.Equal(call.SpanId, commit.ParentSpanId);
        Assert.Equal(true, commit.GetTagItem("shardgen.transaction.two_phase"));

        Assert.Contains(capture.Of("shardgen.call.duration"), m => (string?)m.Tags["db.operation.name"] == "COPY" && (string?)m.Tags["shardgen.call.kind"] == "multi-shard");
        Assert.Equal(2, Assert.Single(capture.Of("shardgen.fanout.width")).Value);
        Assert.Empty(capture.Of("shardgen.fanout.rows"));
        var slow = Assert.Single(_logs.Entries, e => e.Category == "ShardGen" && e.EventId.Id == 4001);
        Assert.Contains("Slow multi-shard call COPY on 'accounts'", slow.Message);
        Assert.Matches("slowest node 'worker[12]'", slow.Message);
        Assert.Equal(40, (await db.Accounts.ListAllAsync()).Count(a => a.Owner == "bulk"));

        // A failed bulk insert: the node that refused its rows says so, and so does the call.
        capture.Clear();
        await Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.BulkInsertAsync(rows.Take(1).ToList()));
        var failed = Assert.Single(capture.Spans, s => s.DisplayName == "COPY accounts" && s.ParentSpanId == default);
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        var refused = Assert.Single(capture.Spans, s => s.ParentSpanId == failed.SpanId && s.DisplayName == "COPY accounts");
        Assert.Equal(ActivityStatusCode.Error, refused.Status);
        Assert.Equal("23505", refused.GetTagItem("error.type"));
        Assert.Equal(map.Route(AccountRepository.Definition, rows[0].TenantId).Node.Name, refused.GetTagItem("shardgen.node"));
    }

    [Fact]
    public async Task A_multi_shard_write_has_a_child_span_per_node_and_a_slow_one_is_logged()
    {
        await using var source = CreateSource(slowFanOut: TimeSpan.FromTicks(1));
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        var map = await source.GetShardMapAsync();
        var regions = Enumerable.Range(1, 30).ToArray();
        foreach (var region in regions)
        {
            await db.Counters.UpsertAsync(new Counter(region, 1, 0));
        }

        var perWorker = regions.GroupBy(r => map.Route(CounterRepository.Definition, r).Node.Name).ToDictionary(g => g.Key, g => (long)g.Count());
        using var capture = new TelemetryCapture();
        _logs.Entries.Clear();
        var affected = await source.Query(TestQueries.BumpCounters).ExecuteFanOutAsync(null, 1L, BindLong, default);
        Assert.Equal(30, affected);

        var call = Assert.Single(capture.Spans, s => s.DisplayName == "UPDATE counters" && s.ParentSpanId == default);
        Assert.Equal(ActivityKind.Internal, call.Kind);
        Assert.Equal("multi-shard", call.GetTagItem("shardgen.call.kind"));
        Assert.Equal(TestQueries.BumpCounters.Name, call.GetTagItem("shardgen.query"));
        Assert.Equal(2, call.GetTagItem("shardgen.nodes"));
        Assert.Equal(30L, call.GetTagItem("shardgen.rows"));
        var nodes = capture.Spans.Where(s => s.ParentSpanId == call.SpanId && s.DisplayName == "UPDATE counters").ToList();
        Assert.Equal(["worker1", "worker2"], nodes.Select(n => (string)n.GetTagItem("shardgen.node")!).Order());
        Assert.All(nodes, n =>
        {
            Assert.Equal(ActivityKind.Client, n.Kind);
            Assert.Equal(4, n.GetTagItem("shardgen.shard.count"));
            Assert.Equal(perWorker[(string)n.GetTagItem("shardgen.node")!], n.GetTagItem("shardgen.rows"));
        });
        Assert.Equal(call.SpanId, Assert.Single(capture.Spans, s => s.DisplayName == "shardgen.commit").ParentSpanId);
        Assert.Equal(2, Assert.Single(capture.Of("shardgen.fanout.width")).Value);
        Assert.Contains(_logs.Entries, e => e.Category == "ShardGen" && e.EventId.Id == 4001 && e.Message.Contains("Slow multi-shard call UPDATE on 'counters'"));

        // One worker's batch fails: its span, and the call's, say how; the other worker's does not.
        capture.Clear();
        var onWorker2 = regions.First(r => map.Route(CounterRepository.Definition, r).Node.Name == "worker2");
        await Assert.ThrowsAsync<ShardOperationException>(() => source.Query(TransactionQueries.BumpCountersFailingAt).ExecuteFanOutAsync(
            null, (1L, onWorker2), static (p, a) =>
            {
                p.Add(new NpgsqlParameter<long> { TypedValue = a.Item1 });
                p.Add(new NpgsqlParameter<int> { TypedValue = a.Item2 });
            },
            default));
        var failed = Assert.Single(capture.Spans, s => s.DisplayName == "UPDATE counters" && s.ParentSpanId == default);
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("22012", failed.GetTagItem("error.type"));
        var byNode = capture.Spans.Where(s => s.ParentSpanId == failed.SpanId && s.DisplayName == "UPDATE counters")
            .ToDictionary(s => (string)s.GetTagItem("shardgen.node")!);
        Assert.Equal(ActivityStatusCode.Error, byNode["worker2"].Status);
        Assert.Equal("22012", byNode["worker2"].GetTagItem("error.type"));
        Assert.Contains(byNode["worker2"].Events, e => e.Name == "exception");
        Assert.Equal(ActivityStatusCode.Unset, byNode["worker1"].Status);
    }

    [Fact]
    public async Task A_multi_row_insert_split_by_key_has_one_span_over_its_routed_parts_and_their_commit()
    {
        await using var source = CreateSource();
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        var map = await source.GetShardMapAsync();
        var (onWorker1, onWorker2) = (TenantOn(map, "worker1"), TenantOn(map, "worker2"));
        var queries = new AccountQueries(source);

        using var capture = new TelemetryCapture();
        Assert.Equal(2, await queries.OpenInBoth(onWorker1, onWorker2, 9, 1m));

        var call = Assert.Single(capture.Spans, s => s.DisplayName == "INSERT accounts" && s.ParentSpanId == default);
        Assert.Equal(ActivityKind.Internal, call.Kind);
        Assert.Equal("multi-shard", call.GetTagItem("shardgen.call.kind"));
        Assert.Equal("ShardGen.Tests.Transactions.AccountQueries.OpenInBoth", call.GetTagItem("shardgen.query"));
        Assert.Equal(2, call.GetTagItem("shardgen.parts"));
        var parts = capture.Spans.Where(s => s.ParentSpanId == call.SpanId && s.DisplayName == "INSERT accounts").ToList();
        Assert.Equal(["worker1", "worker2"], parts.Select(p => (string)p.GetTagItem("shardgen.node")!).Order());
        Assert.All(parts, p => Assert.Equal("router", p.GetTagItem("shardgen.call.kind")));
        var commit = Assert.Single(capture.Spans, s => s.DisplayName == "shardgen.commit");
        Assert.Equal(call.SpanId, commit.ParentSpanId);
        Assert.Equal(true, commit.GetTagItem("shardgen.transaction.two_phase"));

        // Run again, the first part's row is there already: the method's span says the call failed, and how.
        capture.Clear();
        await Assert.ThrowsAsync<ShardOperationException>(() => queries.OpenInBoth(onWorker1, onWorker2, 9, 1m));
        var failed = Assert.Single(capture.Spans, s => s.DisplayName == "INSERT accounts" && s.ParentSpanId == default);
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("23505", failed.GetTagItem("error.type"));
        Assert.Contains(failed.Events, e => e.Name == "exception");
    }

    [Fact]
    public async Task A_reference_write_has_a_child_span_per_copy_and_a_slow_one_is_logged()
    {
        await using var source = CreateSource(slowFanOut: TimeSpan.FromTicks(1));
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        using var capture = new TelemetryCapture();
        _logs.Entries.Clear();
        await db.Currencies.InsertAsync(new Currency("XTS", "Test", 2));

        var call = Assert.Single(capture.Spans, s => s.DisplayName == "INSERT currencies" && s.ParentSpanId == default);
        Assert.Equal(ActivityKind.Internal, call.Kind);
        Assert.Equal("reference", call.GetTagItem("shardgen.call.kind"));
        Assert.Equal(3, call.GetTagItem("shardgen.nodes"));
        Assert.Equal(1L, call.GetTagItem("shardgen.rows"));
        var copies = capture.Spans.Where(s => s.ParentSpanId == call.SpanId && s.DisplayName == "INSERT currencies").ToList();
        Assert.Equal(["coordinator", "worker1", "worker2"], copies.Select(c => (string)c.GetTagItem("shardgen.node")!).Order());
        Assert.All(copies, c => Assert.Equal(1L, c.GetTagItem("shardgen.rows")));
        Assert.Equal(call.SpanId, Assert.Single(capture.Spans, s => s.DisplayName == "shardgen.commit").ParentSpanId);
        Assert.Contains(capture.Of("shardgen.call.duration"), m => (string?)m.Tags["shardgen.call.kind"] == "reference" && (string?)m.Tags["db.operation.name"] == "INSERT");
        Assert.Empty(capture.Of("shardgen.fanout.width"));
        var slow = Assert.Single(_logs.Entries, e => e.Category == "ShardGen" && e.EventId.Id == 4001);
        Assert.Contains("Slow reference call INSERT on 'currencies'", slow.Message);
        Assert.Contains("over 3 node(s)", slow.Message);
        foreach (var node in _cluster.WorkerConnectionStrings.Prepend(_cluster.CoordinatorConnectionString))
        {
            Assert.Equal(1L, await Sql.ScalarAsync<long>(node, "SELECT count(*) FROM currencies WHERE code = 'XTS'"));
        }
    }

    [Fact]
    public async Task A_failed_prepare_marks_its_step_span_failed_and_the_rollback_has_a_span_per_part()
    {
        await using var source = CreateSource();
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        var map = await source.GetShardMapAsync();
        var (onWorker1, onWorker2) = (TenantOn(map, "worker1"), TenantOn(map, "worker2"));

        // Just before worker2's PREPARE TRANSACTION, its session is cut: the statement fails on a broken connection.
        source.FaultHook = (step, node) => step == TransactionStep.Prepare && node == "worker2"
            ? TransactionCluster.CutConnectionsAsync(_cluster.Workers[1])
            : Task.CompletedTask;
        using var capture = new TelemetryCapture();
        _logs.Entries.Clear();
        await using (var tx = await source.BeginTransactionAsync())
        {
            await db.Accounts.InsertAsync(new Account(onWorker1, 7, "a", 1m));
            await db.Accounts.InsertAsync(new Account(onWorker2, 7, "b", 1m));
            await Assert.ThrowsAsync<ShardTransactionException>(() => tx.CommitAsync());
        }

        source.FaultHook = null;
        var commit = Assert.Single(capture.Spans, s => s.DisplayName == "shardgen.commit");
        Assert.Equal(ActivityStatusCode.Error, commit.Status);
        Assert.Equal("rolled_back", commit.GetTagItem("shardgen.transaction.outcome"));
        var steps = capture.Spans.Where(s => s.ParentSpanId == commit.SpanId).ToList();
        var prepare = Assert.Single(steps, s => s.DisplayName == "shardgen.2pc PREPARE TRANSACTION" && (string?)s.GetTagItem("shardgen.node") == "worker2");
        Assert.Equal(ActivityStatusCode.Error, prepare.Status);
        Assert.NotNull(prepare.GetTagItem("error.type"));
        var exception = Assert.Single(prepare.Events, e => e.Name == "exception");
        Assert.Contains(exception.Tags, t => t.Key == "exception.type" && t.Value is string type && type.StartsWith("Npgsql.", StringComparison.Ordinal));
        Assert.Equal(ActivityStatusCode.Unset, Assert.Single(steps, s => s.DisplayName == "shardgen.2pc PREPARE TRANSACTION" && (string?)s.GetTagItem("shardgen.node") == "worker1").Status);

        // Worker1's part was prepared and is rolled back as such; the deciding session ends without a decision.
        var rolledBack = Assert.Single(steps, s => s.DisplayName == "shardgen.2pc ROLLBACK PREPARED");
        Assert.Equal("worker1", rolledBack.GetTagItem("shardgen.node"));
        Assert.Equal(ActivityStatusCode.Unset, rolledBack.Status);
        Assert.Single(steps, s => s.DisplayName == "shardgen.2pc ROLLBACK decision" && (string?)s.GetTagItem("shardgen.node") == "coordinator");
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(steps, s => s.DisplayName == "shardgen.2pc ROLLBACK" && (string?)s.GetTagItem("shardgen.node") == "worker2").Status);
        Assert.DoesNotContain(steps, s => s.DisplayName == "shardgen.2pc record decision");

        Assert.Contains(capture.Of("shardgen.transaction.count"), m => (string?)m.Tags["shardgen.transaction.outcome"] == "rolled_back" && (bool?)m.Tags["shardgen.transaction.two_phase"] == true);
        Assert.Contains(_logs.Entries, e => e.Category == "ShardGen" && e.EventId.Id == 3002 && e.Level == LogLevel.Warning);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(_cluster.WorkerConnectionStrings[0], "SELECT count(*) FROM pg_prepared_xacts"));
    }

    private static long TenantOn(ShardMap map, string worker)
    {
        for (long tenant = 1; ; tenant++)
        {
            if (map.Route(AccountRepository.Definition, tenant).Node.Name == worker)
            {
                return tenant;
            }
        }
    }

    private static void BindLong(NpgsqlParameterCollection parameters, long value) =>
        parameters.Add(new NpgsqlParameter<long> { TypedValue = value });
}
