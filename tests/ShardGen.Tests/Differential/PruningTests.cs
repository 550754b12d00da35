using System.Diagnostics;
using System.Reflection;
using ShardGen.Tests.Hosting;

namespace ShardGen.Tests.Differential;

/// <summary>
/// Where the differential corpus's pruned queries run, as ShardGen's spans say: a key condition written as an expression
/// routes to the key's one shard, and a list of keys reaches exactly those keys' shards, not every shard. (What they
/// return is checked against the oracle by <see cref="DifferentialQueryTests"/>.)
/// </summary>
[Collection("differential")]
public sealed class PruningTests(DifferentialFixture fixture)
{
    [SkippableTheory]
    [InlineData(nameof(ShopQueries.FoldedKey), new object[0])]
    [InlineData(nameof(ShopQueries.CastKey), new object[0])]
    [InlineData(nameof(ShopQueries.ComputedKey), new object[] { 6L })]
    [InlineData(nameof(ShopQueries.ComputedKeyJoined), new object[] { 4L })]
    public async Task A_key_written_as_an_expression_routes_to_its_shard(string method, object[] arguments)
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var spans = await SpansOfAsync(method, arguments);
        Assert.NotEmpty(spans);
        Assert.All(spans.Where(span => span.GetTagItem("shardgen.call.kind") is not null), span => Assert.Equal("router", span.GetTagItem("shardgen.call.kind")));
        Assert.Contains(spans, span => Equals(span.GetTagItem("shardgen.call.kind"), "router"));
    }

    [SkippableFact]
    public async Task A_UNION_ALL_partitioned_by_the_key_and_pinned_outside_it_runs_on_the_keys_shard()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var spans = await SpansOfAsync(nameof(ShopQueries.SixesAndFirstLinesOfTenant), [7L]);
        Assert.Contains(spans, span => Equals(span.GetTagItem("shardgen.call.kind"), "router"));
        Assert.All(spans.Where(span => span.GetTagItem("shardgen.call.kind") is not null), span => Assert.Equal("router", span.GetTagItem("shardgen.call.kind")));
    }

    [SkippableTheory]
    [InlineData(nameof(ShopQueries.CountPerTenantOfArray), new object[] { 11L }, new long[] { 1, 7, 19, 11 })]
    [InlineData(nameof(ShopQueries.StatusOfArray), new object[] { 2L, 9L }, new long[] { 2, 9, 404 })]
    [InlineData(nameof(ShopQueries.OrdersOfPinnedBranches), new object[] { 7L, 11L }, new long[] { 7, 11, 20 })]
    [InlineData(nameof(ShopQueries.StatusesOfPinnedBranches), new object[] { 7L }, new long[] { 7, 13, 3 })]
    public async Task Key_lists_and_UNION_ALL_branches_pinned_to_keys_read_those_keys_shards(string method, object[] arguments, long[] keys)
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var (read, expected) = await ShardsReadAsync(method, arguments, keys);
        Assert.Equal(expected, read);
    }

    /// <summary>Runs one method of <see cref="ShopQueries"/> and returns the spans it started (with their children).</summary>
    private async Task<List<Activity>> SpansOfAsync(string method, object?[] arguments)
    {
        using var telemetry = new TelemetryCapture();
        var info = typeof(ShopQueries).GetMethod(method)!;
        await DifferentialQueryTests.RunAsync(new ShopQueries(fixture.Source), info, arguments);
        var name = $"{typeof(ShopQueries).FullName}.{method}";
        var calls = telemetry.Spans.Where(s => Equals(s.GetTagItem("shardgen.query"), name)).ToList();
        return calls;
    }

    /// <summary>The shards a multi-shard read of <paramref name="method"/> read (the sum over its nodes' statements), and how many distinct shards hold <paramref name="keys"/>.</summary>
    private async Task<(int Read, int Expected)> ShardsReadAsync(string method, object?[] arguments, long[] keys)
    {
        using var telemetry = new TelemetryCapture();
        var info = typeof(ShopQueries).GetMethod(method)!;
        await DifferentialQueryTests.RunAsync(new ShopQueries(fixture.Source), info, arguments);
        var name = $"{typeof(ShopQueries).FullName}.{method}";
        // The call's own span: the one of this method's spans that no other of them contains (its nodes' spans are its children).
        var spans = telemetry.Spans.Where(s => Equals(s.GetTagItem("shardgen.query"), name)).ToList();
        var call = Assert.Single(spans, s => !spans.Any(parent => parent.SpanId == s.ParentSpanId));
        Assert.Equal("multi-shard", call.GetTagItem("shardgen.call.kind"));
        var read = telemetry.Spans.Where(s => s.ParentSpanId == call.SpanId && s.GetTagItem("shardgen.shard.count") is not null)
            .Sum(s => Convert.ToInt32(s.GetTagItem("shardgen.shard.count"), System.Globalization.CultureInfo.InvariantCulture));
        var map = await fixture.Source.GetShardMapAsync();
        var expected = keys.Select(k => map.Route(fixture.Source.Schema["orders"], k).ShardTable).Distinct().Count();
        return (read, expected);
    }
}
