using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

/// <summary>
/// A cap on connections per node (<see cref="ShardedDataSourceBuilder.UseMaxConnectionsPerNode"/>): many
/// concurrent fan-outs queue for connections instead of failing or deadlocking, and the servers never see
/// more of the data source's connections than the cap.
/// </summary>
public sealed class ConnectionCapTests(BulkInsertFixture fixture) : IClassFixture<BulkInsertFixture>
{
    private const string ApplicationName = "shardgen-capped";

    [Fact]
    public async Task Many_concurrent_fan_outs_under_a_small_cap_all_complete_and_never_exceed_it_on_any_worker()
    {
        const int cap = 2;
        var rows = Enumerable.Range(1, 3_000).Select(i => new Account(50_000 + (i % 97), i, $"owner {i}", i)).ToList();
        await fixture.Db.Accounts.BulkInsertAsync(rows);

        var builder = new ShardedDataSourceBuilder(fixture.Cluster.CoordinatorConnectionString + $";Application Name={ApplicationName}")
            .UseSchema(ShardDatabase.Schema)
            .UseMaxConnectionsPerNode(cap);
        for (var i = 0; i < fixture.Cluster.Workers.Count; i++)
        {
            builder.AddWorker(fixture.Cluster.Workers[i].ConnectionString + $";Application Name={ApplicationName}", $"worker{i + 1}");
        }

        await using var source = builder.Build();
        var db = new ShardDatabase(source);

        // What the servers see, sampled until every call is done.
        using var done = new CancellationTokenSource();
        var highest = new long[fixture.Cluster.Workers.Count];
        var samples = 0;
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                for (var i = 0; i < highest.Length; i++)
                {
                    var open = await Sql.ScalarAsync<long>(
                        fixture.Cluster.Workers[i].ConnectionString,
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                        ApplicationName);
                    highest[i] = Math.Max(highest[i], open);
                }

                samples++;
            }
        });

        var calls = Enumerable.Range(0, 48).Select(async caller =>
        {
            var counts = new List<(int Listed, long Counted, bool Found)>();
            for (var round = 0; round < 5; round++)
            {
                var listed = await db.Accounts.ListAllAsync();
                var counted = await db.Accounts.CountAllAsync();
                var row = rows[(caller * 5 + round) % rows.Count];
                var found = await db.Accounts.GetAsync(row.TenantId, row.Id) == row;
                counts.Add((listed.Count, counted, found));
            }

            return counts;
        }).ToList();
        var results = await Task.WhenAll(calls);
        await done.CancelAsync();
        await sampler;

        Assert.All(results.SelectMany(r => r), r =>
        {
            Assert.Equal(rows.Count, r.Listed);
            Assert.Equal(rows.Count, r.Counted);
            Assert.True(r.Found);
        });
        Assert.True(samples > 0);
        Assert.All(highest, h => Assert.InRange(h, 1, cap));
    }
}
