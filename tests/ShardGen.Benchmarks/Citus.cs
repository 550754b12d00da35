using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace ShardGen.Benchmarks;

/// <summary>
/// ShardGen on a Citus cluster it is given (issue 11), against raw Npgsql in the same run. Point read, insert and update
/// by key through (a) the generated repository on <c>UseCitus()</c>, (b) raw Npgsql to the coordinator, (c) raw Npgsql
/// to the distributed table on the node holding the key's shard, and (d) raw Npgsql to that shard's table on that node;
/// the routes of (c) and (d) come from Citus's catalogs (<c>get_shard_id_for_distribution_column</c>,
/// <c>pg_dist_placement</c>, <c>pg_dist_node</c>) before any clock starts. Every side has the same Max Auto Prepare, the
/// same concurrent clients and the same time. Then a multi-shard GROUP BY through a generated <c>[Query]</c> (sent to
/// Citus once, as written) against the same SQL sent to the coordinator by hand. Nothing runs, and no figure is
/// reported, without a Citus coordinator (<c>--citus</c> or <see cref="CoordinatorVariable"/>). Beside the goals: the
/// point read with one client, this process's CPU time per operation of each side, and (c) in sessions with
/// <c>citus.log_remote_commands=on</c>, the setting ShardGen's routed sessions on Citus carry.
/// </summary>
public static class Citus
{
    /// <summary>The environment variable the Citus tests read too (tests/ShardGen.Tests/Citus/CitusFixture.cs).</summary>
    public const string CoordinatorVariable = "SHARDGEN_CITUS_COORDINATOR";

    private const int Tenants = 1_000;
    private const int RowsPerTenant = 10;
    private const int Categories = 20;
    private const string Columns = "tenant_id, id, category, quantity, price, note";

    public static async Task<List<Figure>> RunAsync(Options options, List<string> notes)
    {
        if (options.CitusCoordinator is not { } coordinator)
        {
            var skipped = $"citus suite skipped: no Citus coordinator given (--citus \"<connection string>\" or {CoordinatorVariable}); Citus is not started by this suite, so no figures";
            Console.WriteLine($"  {skipped}");
            notes.Add(skipped);
            return [];
        }

        var loadBefore = LoadAverage();
        var cluster = await ClusterInfo.ReadAsync(coordinator);
        Console.WriteLine($"  {cluster}");
        notes.Add(cluster.ToString());

        // The model's tables, and only those, are dropped and created again by ShardGen's own ApplySchemaAsync.
        foreach (var table in ShardDatabase.Schema.Tables)
        {
            await ExecuteAsync(coordinator, $"DROP TABLE IF EXISTS {Identifiers.Quote(table.Name)} CASCADE");
        }

        await using var source = new ShardedDataSourceBuilder(coordinator)
            .UseCitus()
            .UseSchema(ShardDatabase.Schema)
            .UseAutoPrepare(options.AutoPrepare)
            .Build();
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();

        Console.WriteLine($"  loading {Tenants * RowsPerTenant:N0} routed rows ({Tenants:N0} tenants) and {options.Rows:N0} aggregate rows through Citus...");
        var seed = Enumerable.Range(0, Tenants * RowsPerTenant)
            .Select(i => new RoutedItem(1 + i / RowsPerTenant, 1 + i % RowsPerTenant, "category " + (i % Categories), i % 100, i / 10m, null))
            .ToList();
        var seeded = await db.RoutedItems.BulkInsertAsync(seed);
        var loaded = await db.BenchItems.BulkInsertAsync(Rows.Items(options.Rows));
        if (seeded != seed.Count || loaded != options.Rows)
        {
            throw new InvalidOperationException($"loaded {seeded} routed and {loaded} aggregate rows, not {seed.Count} and {options.Rows}");
        }

        await ExecuteAsync(coordinator, "VACUUM ANALYZE routed_items");
        await ExecuteAsync(coordinator, "VACUUM ANALYZE bench_items");

        var raw = new Dictionary<(string Host, int Port), NpgsqlDataSource>();
        var loggedSources = new Dictionary<(string Host, int Port), NpgsqlDataSource>();
        try
        {
            NpgsqlDataSource Raw(string host, int port)
            {
                if (!raw.TryGetValue((host, port), out var dataSource))
                {
                    var csb = new NpgsqlConnectionStringBuilder(coordinator) { Host = host, Port = port, MaxAutoPrepare = options.AutoPrepare };
                    raw[(host, port)] = dataSource = NpgsqlDataSource.Create(csb.ConnectionString);
                }

                return dataSource;
            }

            var coordinatorCsb = new NpgsqlConnectionStringBuilder(coordinator);
            var viaCoordinator = Raw(coordinatorCsb.Host!, coordinatorCsb.Port);
            var routes = await RoutesAsync(viaCoordinator, Raw);

            // The same nodes, in sessions that ask Citus to report the commands it runs for them, as ShardGen's routed ones do.
            foreach (var (host, port) in routes.Skip(1).Select(r => (r.Host, r.Port)).Distinct())
            {
                var csb = new NpgsqlConnectionStringBuilder(coordinator) { Host = host, Port = port, MaxAutoPrepare = options.AutoPrepare };
                csb.Options = (string.IsNullOrWhiteSpace(csb.Options) ? "" : csb.Options + " ") + "-c citus.log_remote_commands=on";
                loggedSources[(host, port)] = NpgsqlDataSource.Create(csb.ConnectionString);
            }

            var logged = routes.Select(r => r with { Node = r.Node is null ? null : loggedSources[(r.Host, r.Port)] }).ToArray();
            var disagreements = await DisagreementsAsync(source, routes);
            var routing = disagreements == 0
                ? $"ShardGen's map and Citus's catalogs agree on the shard and node of all {Tenants:N0} tenants"
                : $"**ShardGen's map and Citus's catalogs disagree on {disagreements} of {Tenants:N0} tenants**";
            Console.WriteLine($"  {routing}");
            notes.Add(routing);

            var figures = new List<Figure>();
            var queries = new BenchQueries(db);
            var workers = cluster.Workers.Select(w => Raw(w.Host, w.Port)).ToArray();

            // The aggregates first, while the routed rows are still the seed.
            figures.AddRange(await AggregateAsync(
                $"multi-shard GROUP BY (count, sum by category), {seed.Count:N0} rows", options.Runs * 10, options,
                () => queries.RoutedCounts(), viaCoordinator, workers, BenchQueries.RoutedCountsSql,
                r => new CategoryCount(r.GetString(0), r.GetInt64(1), r.GetInt64(2)),
                (a, b) => a.SequenceEqual(b)));
            figures.AddRange(await AggregateAsync(
                $"multi-shard GROUP BY (count, sum, avg by category), {options.Rows:N0} rows", options.Runs, options,
                () => queries.Totals(), viaCoordinator, workers, BenchQueries.TotalsSql,
                r => new CategoryTotal(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetDecimal(3)),
                (a, b) => a.Count == b.Count && a.Zip(b).All(p =>
                    p.First.Category == p.Second.Category && p.First.Items == p.Second.Items && p.First.Quantity == p.Second.Quantity
                    && Math.Round(p.First.AveragePrice, 6) == Math.Round(p.Second.AveragePrice, 6))));

            var read = $"SELECT {Columns} FROM routed_items WHERE tenant_id = $1 AND id = $2";
            var readShard = routes.Select(r => r.Node is null ? "" : $"SELECT {Columns} FROM {r.ShardTable} WHERE tenant_id = $1 AND id = $2").ToArray();
            Func<Random, Task>[] reads =
            [
                async random =>
                {
                    var (tenant, id) = Key(random);
                    _ = await db.RoutedItems.GetAsync(tenant, id) ?? throw new InvalidOperationException($"row {tenant}/{id} is missing");
                },
                random => ReadAsync(viaCoordinator, _ => read, routes, random),
                random => ReadAsync(null, _ => read, routes, random),
                random => ReadAsync(null, tenant => readShard[tenant], routes, random),

                // (c) again, in sessions with the setting ShardGen's routed sessions on Citus carry (Node.RoutedDataSource).
                random => ReadAsync(null, _ => read, logged, random),
            ];
            figures.AddRange(Ops("point read by key", options.Clients, await CompareAsync(options, options.Clients, reads), goals: true));

            // Each side inserts ids of its own, never a seed's.
            var next = new[] { 1_000_000_000L, 2_000_000_000L, 3_000_000_000L, 4_000_000_000L, 5_000_000_000L };
            var insert = $"INSERT INTO routed_items ({Columns}) VALUES ($1, $2, $3, $4, $5, $6)";
            var insertShard = routes.Select(r => r.Node is null ? "" : $"INSERT INTO {r.ShardTable} ({Columns}) VALUES ($1, $2, $3, $4, $5, $6)").ToArray();
            figures.AddRange(Ops("insert by key", options.Clients, await CompareAsync(
                options,
                options.Clients,
                random => db.RoutedItems.InsertAsync(new RoutedItem(1 + random.Next(Tenants), Interlocked.Increment(ref next[0]), "new", 1, 9.5m, "inserted")),
                random => WriteAsync(viaCoordinator, _ => insert, routes, NewRow(random, ref next[1]), expected: 1),
                random => WriteAsync(null, _ => insert, routes, NewRow(random, ref next[2]), expected: 1),
                random => WriteAsync(null, tenant => insertShard[tenant], routes, NewRow(random, ref next[3]), expected: 1),
                random => WriteAsync(null, _ => insert, logged, NewRow(random, ref next[4]), expected: 1)), goals: true));

            var update = $"UPDATE routed_items SET category = $3, quantity = $4, price = $5, note = $6 WHERE tenant_id = $1 AND id = $2";
            var updateShard = routes.Select(r => r.Node is null ? "" : $"UPDATE {r.ShardTable} SET category = $3, quantity = $4, price = $5, note = $6 WHERE tenant_id = $1 AND id = $2").ToArray();
            figures.AddRange(Ops("update by key", options.Clients, await CompareAsync(
                options,
                options.Clients,
                async random =>
                {
                    var (tenant, id) = Key(random);
                    if (!await db.RoutedItems.UpdateAsync(new RoutedItem(tenant, id, "updated", random.Next(1000), 1.25m, null)))
                    {
                        throw new InvalidOperationException($"row {tenant}/{id} is missing");
                    }
                },
                random => WriteAsync(viaCoordinator, _ => update, routes, UpdatedRow(random), expected: 1),
                random => WriteAsync(null, _ => update, routes, UpdatedRow(random), expected: 1),
                random => WriteAsync(null, tenant => updateShard[tenant], routes, UpdatedRow(random), expected: 1),
                random => WriteAsync(null, _ => update, logged, UpdatedRow(random), expected: 1)), goals: true));

            // One client: each side's latency rather than what its CPU allows (reported beside the goals, to explain them).
            figures.AddRange(Ops("point read by key", 1, await CompareAsync(options, 1, reads[..4]), goals: false));

            // Client and servers share this machine's cores: what else ran there moves every figure.
            var load = $"1-minute load average {loadBefore} when the citus suite started (before its own load), {LoadAverage()} when it ended (its own 8 clients and their server processes included)";
            Console.WriteLine($"  {load}");
            notes.Add(load);
            return figures;
        }
        finally
        {
            foreach (var dataSource in raw.Values.Concat(loggedSources.Values))
            {
                await dataSource.DisposeAsync();
            }
        }
    }

    /// <summary>Where Citus places each tenant's rows: the shard's id and table, and the node holding its placement.</summary>
    private sealed record Route(long ShardId, string ShardTable, string Host, int Port, NpgsqlDataSource? Node);

    private static async Task<Route[]> RoutesAsync(NpgsqlDataSource coordinator, Func<string, int, NpgsqlDataSource> node)
    {
        var routes = new Route[Tenants + 1];
        routes[0] = new Route(0, "", "", 0, null);
        await using var command = coordinator.CreateCommand("""
            SELECT t.tenant, s.shardid, n.nodename, n.nodeport
              FROM generate_series(1::bigint, $1::bigint) AS t(tenant)
             CROSS JOIN LATERAL get_shard_id_for_distribution_column('routed_items', t.tenant) AS s(shardid)
              JOIN pg_dist_placement p ON p.shardid = s.shardid AND p.shardstate = 1
              JOIN pg_dist_node n ON n.groupid = p.groupid AND n.isactive AND n.noderole = 'primary'
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Tenants });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var (tenant, shard, host, port) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3));
            routes[tenant] = new Route(shard, Identifiers.Quote(string.Create(CultureInfo.InvariantCulture, $"routed_items_{shard}")), host, port, node(host, port));
        }

        var missing = Enumerable.Range(1, Tenants).Count(t => routes[t] is null);
        return missing == 0 ? routes : throw new InvalidOperationException($"Citus's catalogs place no shard of {missing} tenants of routed_items on an active primary node");
    }

    private static async Task<int> DisagreementsAsync(ShardedDataSource source, Route[] routes)
    {
        var map = await source.GetShardMapAsync();
        var count = 0;
        for (long tenant = 1; tenant <= Tenants; tenant++)
        {
            var route = map.Route(RoutedItemRepository.Definition, tenant);
            if (route.ShardId != routes[tenant].ShardId || route.Node.Host != routes[tenant].Host || route.Node.Port != routes[tenant].Port)
            {
                count++;
            }
        }

        return count;
    }

    private static (long Tenant, long Id) Key(Random random) => (1 + random.Next(Tenants), 1 + random.Next(RowsPerTenant));

    private static RoutedItem NewRow(Random random, ref long next) =>
        new(1 + random.Next(Tenants), Interlocked.Increment(ref next), "new", 1, 9.5m, "inserted");

    private static RoutedItem UpdatedRow(Random random)
    {
        var (tenant, id) = Key(random);
        return new RoutedItem(tenant, id, "updated", random.Next(1000), 1.25m, null);
    }

    // A point read on the coordinator (dataSource given) or on the node of the key's shard (null).
    private static async Task ReadAsync(NpgsqlDataSource? dataSource, Func<long, string> sql, Route[] routes, Random random)
    {
        var (tenant, id) = Key(random);
        await using var command = (dataSource ?? routes[tenant].Node!).CreateCommand(sql(tenant));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = tenant });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException($"row {tenant}/{id} is missing");
        }

        _ = new RoutedItem(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), reader.GetDecimal(4), reader.IsDBNull(5) ? null : reader.GetString(5));
    }

    private static async Task WriteAsync(NpgsqlDataSource? dataSource, Func<long, string> sql, Route[] routes, RoutedItem row, int expected)
    {
        await using var command = (dataSource ?? routes[row.TenantId].Node!).CreateCommand(sql(row.TenantId));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row.TenantId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Category });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = row.Quantity });
        command.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = row.Price });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)row.Note ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        if (await command.ExecuteNonQueryAsync() != expected)
        {
            throw new InvalidOperationException($"row {row.TenantId}/{row.Id}: not {expected} row(s) written");
        }
    }

    /// <summary>A side's throughput, and the CPU time this process spent per operation on it (client and ShardGen alike).</summary>
    private readonly record struct Side(double OpsPerSecond, double ClientMicroseconds);

    private static IEnumerable<Figure> Ops(string name, int clients, Side[] sides, bool goals)
    {
        var (a, b, c, d) = (sides[0].OpsPerSecond, sides[1].OpsPerSecond, sides[2].OpsPerSecond, sides[3].OpsPerSecond);
        var label = $"{name}, {clients} client{(clients == 1 ? "" : "s")}: ShardGen on Citus (a)";
        yield return new Figure("citus", $"{label} vs raw Npgsql, distributed table on the shard's node (c)", a, c, "ops/s", HigherIsBetter: true,
            goals ? "≥ 0.90 of (c)" : Figure.NoGoal, goals ? 0.90 : 0);
        yield return new Figure("citus", $"{label} vs raw Npgsql to the coordinator (b)", a, b, "ops/s", HigherIsBetter: true,
            goals ? "≥ 4 × (b)" : Figure.NoGoal, goals ? 4.0 : 0);
        yield return new Figure("citus", $"{label} vs raw Npgsql, shard table on the shard's node (d)", a, d, "ops/s", HigherIsBetter: true, Figure.NoGoal, 0);
        yield return new Figure("citus", $"{name}, {clients} client{(clients == 1 ? "" : "s")}: this process's CPU per operation, (a) vs (c)",
            sides[0].ClientMicroseconds, sides[2].ClientMicroseconds, "µs", HigherIsBetter: false, Figure.NoGoal, 0,
            string.Create(CultureInfo.InvariantCulture, $"(b) {sides[1].ClientMicroseconds:F0} µs, (d) {sides[3].ClientMicroseconds:F0} µs"));
        if (sides.Length > 4)
        {
            // (c) again in sessions with citus.log_remote_commands=on: what that setting of ShardGen's routed sessions costs.
            yield return new Figure(
                "citus", $"{name}, {clients} client{(clients == 1 ? "" : "s")}: raw (c) in sessions with citus.log_remote_commands=on (as ShardGen's routed sessions) vs (c)",
                sides[4].OpsPerSecond, c, "ops/s", HigherIsBetter: true, Figure.NoGoal, 0,
                string.Create(CultureInfo.InvariantCulture, $"CPU per operation here {sides[4].ClientMicroseconds:F0} µs"));
        }
    }

    /// <summary>
    /// Each side warmed up, then measured twice in turn (a, b, c, d, ..., a, b, c, d, ...), so that a drift of the machine's load
    /// hits every side; each side's figure is the mean of its two rounds.
    /// </summary>
    private static async Task<Side[]> CompareAsync(Options options, int clients, params Func<Random, Task>[] sides)
    {
        var warmup = TimeSpan.FromSeconds(options.Quick ? 1 : 3);
        foreach (var side in sides)
        {
            await MeasureAsync(clients, warmup, side);
        }

        var sums = new Side[sides.Length];
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < sides.Length; i++)
            {
                var measured = await MeasureAsync(clients, options.Duration, sides[i]);
                sums[i] = new Side(sums[i].OpsPerSecond + measured.OpsPerSecond / 2, sums[i].ClientMicroseconds + measured.ClientMicroseconds / 2);
            }
        }

        return sums;
    }

    /// <summary>
    /// Operations per second of <paramref name="clients"/> loops running <paramref name="operation"/> for
    /// <paramref name="duration"/> (as the routed suite measures), and this process's CPU time per operation.
    /// </summary>
    private static async Task<Side> MeasureAsync(int clients, TimeSpan duration, Func<Random, Task> operation)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var opsPerSecond = await Routed.MeasureAsync(clients, duration, operation);
        process.Refresh();
        return new Side(opsPerSecond, (process.TotalProcessorTime - cpu).TotalMicroseconds / (opsPerSecond * duration.TotalSeconds));
    }

    /// <summary>
    /// One client, median of <paramref name="runs"/> after two warm-ups, in turn: the generated [Query], the same SQL by
    /// hand to the coordinator, and the same SQL by hand to the workers in turn (where ShardGen sends a query it hands to
    /// Citus as written: any node with Citus's metadata plans it). The rows of all three are compared.
    /// </summary>
    private static async Task<List<Figure>> AggregateAsync<T>(
        string name, int runs, Options options, Func<Task<List<T>>> shardGen, NpgsqlDataSource coordinator, NpgsqlDataSource[] workers,
        string sql, Func<NpgsqlDataReader, T> read, Func<List<T>, List<T>, bool> same)
    {
        var next = 0;
        Func<Task<List<T>>>[] sides =
        [
            shardGen,
            () => FanOut.ReadAsync(coordinator, sql, read),
            () => FanOut.ReadAsync(workers[next++ % workers.Length], sql, read),
        ];
        var first = new List<T>[sides.Length];
        for (var i = 0; i < sides.Length; i++)
        {
            first[i] = await sides[i]();
            await sides[i]();
        }

        var times = sides.Select(_ => new List<double>()).ToArray();
        for (var run = 0; run < runs; run++)
        {
            for (var i = 0; i < sides.Length; i++)
            {
                var clock = Stopwatch.StartNew();
                await sides[i]();
                times[i].Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        var (a, b, c) = (FanOut.Median(times[0]), FanOut.Median(times[1]), FanOut.Median(times[2]));
        var rows = same(first[0], first[1]) && same(first[0], first[2]) ? $"same rows on all sides ({first[0].Count} groups)" : "**results differ**";
        return
        [
            new Figure("citus", $"{name}, median of {runs}: ShardGen [Query] on Citus vs the same SQL by hand to the coordinator", a, b, "ms",
                HigherIsBetter: false, "≤ 1.05 × by hand", 1.05, rows),
            new Figure("citus", $"{name}, median of {runs}: ShardGen [Query] on Citus vs the same SQL by hand to the workers in turn", a, c, "ms",
                HigherIsBetter: false, Figure.NoGoal, 0, rows),
        ];
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>What the figures were measured on: Citus's and PostgreSQL's versions, the primary nodes and their settings.</summary>
    private sealed record ClusterInfo(string Extension, string Build, string Postgres, string Coordinator, IReadOnlyList<(string Host, int Port)> Workers, string Settings)
    {
        private const string SettingsSql =
            "SELECT concat_ws(', ', 'fsync ' || current_setting('fsync'), 'synchronous_commit ' || current_setting('synchronous_commit'), 'shared_buffers ' || current_setting('shared_buffers'), 'max_connections ' || current_setting('max_connections'))";

        public static async Task<ClusterInfo> ReadAsync(string coordinator)
        {
            await using var connection = new NpgsqlConnection(coordinator);
            await connection.OpenAsync();
            await using (var probe = new NpgsqlCommand("SELECT extversion FROM pg_extension WHERE extname = 'citus'", connection))
            {
                if (await probe.ExecuteScalarAsync() is not string)
                {
                    throw new InvalidOperationException($"{connection.Host}:{connection.Port} has no Citus extension in database {connection.Database}: the citus suite needs a Citus coordinator.");
                }
            }

            await using var command = new NpgsqlCommand("""
                SELECT (SELECT extversion FROM pg_extension WHERE extname = 'citus'), citus_version(), current_setting('server_version'),
                       (SELECT string_agg(nodename || ':' || nodeport, ',' ORDER BY nodeid) FROM pg_dist_node WHERE groupid = 0),
                       (SELECT array_agg(nodename || ':' || nodeport ORDER BY nodeid) FROM pg_dist_node
                         WHERE groupid <> 0 AND isactive AND noderole = 'primary')
                """, connection);
            string extension, build, postgres, coordinatorNode;
            (string Host, int Port)[] workers;
            await using (var reader = await command.ExecuteReaderAsync())
            {
                await reader.ReadAsync();
                workers = [.. (reader.IsDBNull(4) ? [] : reader.GetFieldValue<string[]>(4))
                    .Select(w => (w[..w.LastIndexOf(':')], int.Parse(w[(w.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture)))];
                (extension, build, postgres) = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                coordinatorNode = reader.IsDBNull(3) ? $"{connection.Host}:{connection.Port}" : reader.GetString(3);
            }

            // Each node's own settings, as its sessions see them; one line when they agree.
            var settings = new List<string>();
            await using (var own = new NpgsqlCommand(SettingsSql, connection))
            {
                settings.Add((string)(await own.ExecuteScalarAsync())!);
            }

            foreach (var (host, port) in workers)
            {
                await using var worker = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(coordinator) { Host = host, Port = port }.ConnectionString);
                await worker.OpenAsync();
                await using var read = new NpgsqlCommand(SettingsSql, worker);
                settings.Add((string)(await read.ExecuteScalarAsync())!);
            }

            var described = settings.Distinct().Count() == 1
                ? $"every node: {settings[0]}"
                : string.Join("; ", settings.Select((s, i) => i == 0 ? $"coordinator: {s}" : $"{workers[i - 1].Host}:{workers[i - 1].Port}: {s}"));
            return new ClusterInfo(extension, build, postgres, coordinatorNode, workers, described);
        }

        public override string ToString() =>
            $"Citus {Extension} ({Build}); PostgreSQL {Postgres}; 1 coordinator ({Coordinator}) + {Workers.Count} workers ({string.Join(", ", Workers.Select(w => $"{w.Host}:{w.Port}"))}); {Settings}";
    }
}
