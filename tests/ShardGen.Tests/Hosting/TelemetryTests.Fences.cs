using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Hosting;

// Calls made with a map older than a shard move meet the move's fence: retried on the new placement, or, in a transaction,
// failed as retryable. Either way the span, a counter and a log line say so, without the key.
public sealed partial class TelemetryTests
{
    [Fact]
    public async Task A_fenced_call_is_retried_and_says_so_on_its_span_in_a_counter_and_in_the_log()
    {
        await using var live = CreateSource();
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var map = await live.GetShardMapAsync();

        // A key in each of two shards on worker1, large enough that no other number in a log line or span could be one of them.
        var shards = map.Shards(AccountRepository.Definition).Where(s => s.Node.Name == "worker1").Select(s => s.ShardIndex).Take(2).ToArray();
        var tenants = shards.Select(shard => Enumerable.Range(0, 1_000_000).Select(i => 7_300_000_000L + i)
            .First(t => map.Route(AccountRepository.Definition, t).ShardIndex == shard)).ToArray();
        foreach (var tenant in tenants)
        {
            await db.Accounts.InsertAsync(new Account(tenant, 1, "moving", 1m));
        }

        // A process whose map is loaded before the move and never refreshed on a timer.
        await using var stale = CreateSource(refreshMap: false);
        var staleDb = new ShardDatabase(stale);
        await stale.GetShardMapAsync();
        await live.MoveShardGroupAsync("int8", shards[0], "worker2");

        using var capture = new TelemetryCapture();
        _logs.Entries.Clear();
        Assert.Equal("moving", (await staleDb.Accounts.GetAsync(tenants[0], 1))?.Owner);

        var get = Assert.Single(capture.Spans, s => s.DisplayName == "SELECT accounts");
        Assert.Equal(ActivityStatusCode.Unset, get.Status);
        Assert.Equal("worker2", get.GetTagItem("shardgen.node"));
        var retry = Assert.Single(get.Events, e => e.Name == "shardgen.retry");
        var tags = retry.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("fenced", tags["shardgen.retry.reason"]);
        Assert.Equal("worker1", tags["shardgen.node"]);
        Assert.Equal("worker2", tags["shardgen.retry.node"]);
        Assert.Equal(stale.CurrentShardMap!.Version, tags["shardgen.map.version"]);
        var counted = Assert.Single(capture.Of("shardgen.call.retries"));
        Assert.Equal("fenced", counted.Tags["shardgen.retry.reason"]);
        Assert.Equal("accounts", counted.Tags["db.collection.name"]);
        Assert.Equal(false, counted.Tags["shardgen.retry.in_transaction"]);

        var logged = Assert.Single(_logs.Entries, e => e.Category == "ShardGen" && e.EventId.Id == 1004);
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.Contains("SELECT on 'accounts'", logged.Message);
        Assert.Contains("node 'worker1'", logged.Message);
        Assert.Contains("node 'worker2'", logged.Message);
        Assert.DoesNotContain(tenants[0].ToString(CultureInfo.InvariantCulture), logged.Message);
        Assert.Null(get.GetTagItem("shardgen.key"));

        // The other shard moves: the stale process, now in a transaction, cannot run its call again by itself.
        await live.MoveShardGroupAsync("int8", shards[1], "worker2");
        capture.Clear();
        _logs.Entries.Clear();
        await using (var transaction = await stale.BeginTransactionAsync())
        {
            var error = await Assert.ThrowsAsync<ShardOperationException>(() => staleDb.Accounts.InsertAsync(new Account(tenants[1], 2, "in a transaction", 1m)));
            Assert.True(error.IsRetryable, error.Message);
        }

        var insert = Assert.Single(capture.Spans, s => s.DisplayName == "INSERT accounts");
        Assert.Equal(ActivityStatusCode.Error, insert.Status);
        var left = Assert.Single(insert.Events, e => e.Name == "shardgen.retry").Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal("fenced", left["shardgen.retry.reason"]);
        Assert.Equal("worker1", left["shardgen.node"]);
        Assert.Equal(true, left["shardgen.retry.in_transaction"]);
        Assert.Equal(stale.CurrentShardMap!.Version, left["shardgen.map.version"]);
        Assert.Equal(true, Assert.Single(capture.Of("shardgen.call.retries")).Tags["shardgen.retry.in_transaction"]);
        var inTransaction = Assert.Single(_logs.Entries, e => e.Category == "ShardGen" && e.EventId.Id == 1005);
        Assert.Equal(LogLevel.Information, inTransaction.Level);
        Assert.Contains("INSERT on 'accounts'", inTransaction.Message);
        Assert.DoesNotContain(tenants[1].ToString(CultureInfo.InvariantCulture), inTransaction.Message);
        Assert.Equal("worker2", stale.CurrentShardMap.Route(AccountRepository.Definition, tenants[1]).Node.Name);
    }
}
