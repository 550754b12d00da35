using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace ShardGen.Benchmarks;

/// <summary>
/// Point read by full key, insert and update: the generated repository against raw Npgsql sending the same
/// statements straight to the same shard table on the same worker (its route looked up before the clock
/// starts, so the baseline does no routing at all), with the same Max Auto Prepare, the same number of
/// concurrent clients, for the same time, in the same run.
/// </summary>
public static class Routed
{
    private const int Tenants = 1_000;
    private const int RowsPerTenant = 10;
    private const string Columns = "tenant_id, id, category, quantity, price, note";

    public static async Task<List<Figure>> RunAsync(Clusters clusters, Options options)
    {
        var source = await clusters.SourceAsync();
        var db = new ShardDatabase(source);
        var seed = Enumerable.Range(0, Tenants * RowsPerTenant)
            .Select(i => new RoutedItem(1 + i / RowsPerTenant, 1 + i % RowsPerTenant, "seed", i, i / 10m, null))
            .ToList();
        await db.RoutedItems.BulkInsertAsync(seed);

        var map = await source.GetShardMapAsync();
        var raw = new Dictionary<string, NpgsqlDataSource>();
        foreach (var worker in clusters.Sharded.Workers)
        {
            var csb = new NpgsqlConnectionStringBuilder(worker.ConnectionString) { MaxAutoPrepare = options.AutoPrepare };
            raw[$"{worker.Port}"] = NpgsqlDataSource.Create(csb.ConnectionString);
        }

        // The baseline's routes, computed before any clock starts: data source and statements by tenant.
        var routes = new (NpgsqlDataSource Node, string Read, string Insert, string Update)[Tenants + 1];
        for (long tenant = 1; tenant <= Tenants; tenant++)
        {
            var route = map.Route(RoutedItemRepository.Definition, tenant);
            var table = Identifiers.Quote(route.ShardTable);
            routes[tenant] = (
                raw[$"{route.Node.Port}"],
                $"SELECT {Columns} FROM {table} WHERE tenant_id = $1 AND id = $2",
                $"INSERT INTO {table} ({Columns}) VALUES ($1, $2, $3, $4, $5, $6)",
                $"UPDATE {table} SET category = $3, quantity = $4, price = $5, note = $6 WHERE tenant_id = $1 AND id = $2");
        }

        var figures = new List<Figure>();
        try
        {
            var nextShardGen = 1_000_000_000L;
            var nextRaw = 2_000_000_000L;

            var read = await CompareAsync(
                options,
                async random =>
                {
                    var (tenant, id) = Key(random);
                    _ = await db.RoutedItems.GetAsync(tenant, id) ?? throw new InvalidOperationException($"row {tenant}/{id} is missing");
                },
                async random =>
                {
                    var (tenant, id) = Key(random);
                    var r = routes[tenant];
                    await using var command = r.Node.CreateCommand(r.Read);
                    command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = tenant });
                    command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
                    await using var reader = await command.ExecuteReaderAsync();
                    if (!await reader.ReadAsync())
                    {
                        throw new InvalidOperationException($"row {tenant}/{id} is missing");
                    }

                    _ = new RoutedItem(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.GetDecimal(4), reader.IsDBNull(5) ? null : reader.GetString(5));
                });
            figures.Add(Ops("point read by full key", read, options));

            var insert = await CompareAsync(
                options,
                random => db.RoutedItems.InsertAsync(new RoutedItem(1 + random.Next(Tenants), Interlocked.Increment(ref nextShardGen), "new", 1, 9.5m, "inserted")),
                async random =>
                {
                    var tenant = 1L + random.Next(Tenants);
                    var r = routes[tenant];
                    await using var command = r.Node.CreateCommand(r.Insert);
                    Bind(command.Parameters, new RoutedItem(tenant, Interlocked.Increment(ref nextRaw), "new", 1, 9.5m, "inserted"));
                    await command.ExecuteNonQueryAsync();
                });
            figures.Add(Ops("insert", insert, options));

            var update = await CompareAsync(
                options,
                async random =>
                {
                    var (tenant, id) = Key(random);
                    if (!await db.RoutedItems.UpdateAsync(new RoutedItem(tenant, id, "updated", random.Next(1000), 1.25m, null)))
                    {
                        throw new InvalidOperationException($"row {tenant}/{id} is missing");
                    }
                },
                async random =>
                {
                    var (tenant, id) = Key(random);
                    var r = routes[tenant];
                    await using var command = r.Node.CreateCommand(r.Update);
                    Bind(command.Parameters, new RoutedItem(tenant, id, "updated", random.Next(1000), 1.25m, null));
                    if (await command.ExecuteNonQueryAsync() != 1)
                    {
                        throw new InvalidOperationException($"row {tenant}/{id} is missing");
                    }
                });
            figures.Add(Ops("update", update, options));

            // Which is faster for ShardGen itself: its statements auto-prepared, or not prepared at all.
            await using var unprepared = clusters.Build(autoPrepare: 0);
            var plainDb = new ShardDatabase(unprepared);
            var prepared = await CompareAsync(
                options,
                async random =>
                {
                    var (tenant, id) = Key(random);
                    _ = await db.RoutedItems.GetAsync(tenant, id);
                },
                async random =>
                {
                    var (tenant, id) = Key(random);
                    _ = await plainDb.RoutedItems.GetAsync(tenant, id);
                });
            figures.Add(new Figure(
                "routed", $"point read: Max Auto Prepare {options.AutoPrepare} vs 0 (baseline = ShardGen unprepared)", prepared.ShardGen, prepared.Baseline, "ops/s",
                HigherIsBetter: true, Figure.NoGoal, 0));
        }
        finally
        {
            foreach (var dataSource in raw.Values)
            {
                await dataSource.DisposeAsync();
            }
        }

        return figures;
    }

    private static Figure Ops(string name, (double ShardGen, double Baseline) result, Options options) =>
        new("routed", $"{name}, {options.Clients} clients", result.ShardGen, result.Baseline, "ops/s", HigherIsBetter: true, "≥ 0.90 of raw Npgsql", 0.90);

    private static (long Tenant, long Id) Key(Random random) => (1 + random.Next(Tenants), 1 + random.Next(RowsPerTenant));

    private static void Bind(NpgsqlParameterCollection parameters, RoutedItem row)
    {
        parameters.Add(new NpgsqlParameter<long> { TypedValue = row.TenantId });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = row.Id });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Category });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = row.Quantity });
        parameters.Add(new NpgsqlParameter<decimal> { TypedValue = row.Price });
        parameters.Add(new NpgsqlParameter { Value = (object?)row.Note ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
    }

    /// <summary>
    /// Each side warmed up, then measured twice, alternating (ShardGen, baseline, ShardGen, baseline), so that
    /// a drift of the machine's load hits both; the figure of each side is the mean of its two rounds.
    /// </summary>
    private static async Task<(double ShardGen, double Baseline)> CompareAsync(Options options, Func<Random, Task> shardGen, Func<Random, Task> baseline)
    {
        var warmup = TimeSpan.FromSeconds(options.Quick ? 1 : 3);
        await MeasureAsync(options.Clients, warmup, shardGen);
        await MeasureAsync(options.Clients, warmup, baseline);
        double a = 0, b = 0;
        for (var round = 0; round < 2; round++)
        {
            a += await MeasureAsync(options.Clients, options.Duration, shardGen);
            b += await MeasureAsync(options.Clients, options.Duration, baseline);
        }

        return (a / 2, b / 2);
    }

    /// <summary>Operations per second of <paramref name="clients"/> loops running <paramref name="operation"/> for <paramref name="duration"/>.</summary>
    internal static async Task<double> MeasureAsync(int clients, TimeSpan duration, Func<Random, Task> operation)
    {
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client * 7919 + Environment.TickCount);
            long count = 0;
            while (clock.Elapsed < duration)
            {
                await operation(random);
                count++;
            }

            return count;
        })).ToArray();
        var total = (await Task.WhenAll(loops)).Sum();
        return total / clock.Elapsed.TotalSeconds;
    }
}
