using System.Text.RegularExpressions;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using ShardGen.Tool;
using Spectre.Console;

namespace ShardGen.Tests.Tool;

/// <summary>
/// The <c>shardgen</c> command line (docs/operations.md), run in-process against a throwaway cluster, with this test
/// assembly as the application whose compiled model it loads.
/// </summary>
public sealed class ToolTests
{
    private static readonly string Assembly = typeof(ShardDatabase).Assembly.Location;

    [Fact]
    public async Task Migrate_dry_run_prints_the_plan_and_changes_nothing_then_apply_creates_the_cluster_and_status_shows_it()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        string[] where = ["--coordinator", cluster.CoordinatorConnectionString, "--worker", cluster.WorkerConnectionStrings[0], "--worker", cluster.WorkerConnectionStrings[1]];

        var (code, output) = await RunAsync(["migrate", "--assembly", Assembly, "--dry-run", .. where]);
        Assert.True(code == 0, output);
        Assert.Contains("-- phase: create", output, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE IF NOT EXISTS \"accounts_{shardid}\"", output, StringComparison.Ordinal);
        Assert.False(await Sql.ScalarAsync<bool>(cluster.CoordinatorConnectionString, "SELECT to_regclass('shardgen.tables') IS NOT NULL"));

        (code, output) = await RunAsync(["apply", "--assembly", Assembly, .. where]);
        Assert.True(code == 0, output);
        Assert.Contains($"Applied the model of {ShardDatabase.Schema.Tables.Count} tables", output, StringComparison.Ordinal);
        Assert.Equal(ShardDatabase.Schema.Tables.Count, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.tables"));

        (code, output) = await RunAsync(["migrate", "--assembly", Assembly, "--dry-run", .. where]);
        Assert.True(code == 0, output);
        Assert.Contains("-- nothing to do", output, StringComparison.Ordinal);

        // Status needs only the coordinator: the workers come from the metadata.
        (code, output) = await RunAsync(["status", "--coordinator", cluster.CoordinatorConnectionString]);
        Assert.True(code == 0, output);
        var workers = await Sql.QueryAsync(cluster.CoordinatorConnectionString,
            "SELECT n.name, count(p.shard_id) FROM shardgen.nodes n LEFT JOIN shardgen.placements p USING (node_id) WHERE n.role = 'worker' GROUP BY n.node_id, n.name ORDER BY n.node_id");
        Assert.Equal(2, workers.Count);
        foreach (var worker in workers)
        {
            Assert.Matches($@"{Regex.Escape((string)worker[0]!)}\s*│\s*worker\s*│[^\n]*│\s*ready\s*│\s*{worker[1]}\s*│", output);
        }

        Assert.Matches($@"int8\s*│\s*bigint\s*│\s*32\s*│\s*{Regex.Escape((string)workers[0][0]!)} 16, {Regex.Escape((string)workers[1][0]!)} 16", output);

        (code, output) = await RunAsync(["recover", "--coordinator", cluster.CoordinatorConnectionString]);
        Assert.True(code == 0, output);
        Assert.Contains("committed 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Move_moves_a_shard_group_to_another_worker_with_plain_progress_lines_and_cleanup_drops_the_fenced_copy()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 3, new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["wal_level"] = "logical" } });
        string[] coordinator = ["--coordinator", cluster.CoordinatorConnectionString];
        var (code, output) = await RunAsync(["apply", "--assembly", Assembly, .. coordinator, .. cluster.WorkerConnectionStrings.SelectMany(w => new[] { "--worker", w })]);
        Assert.True(code == 0, output);

        const string PlacementOfShard0 = """
            SELECT DISTINCT n.name FROM shardgen.shards s JOIN shardgen.placements p USING (shard_id) JOIN shardgen.nodes n USING (node_id)
              JOIN shardgen.tables t USING (table_name) JOIN shardgen.colocation_groups g USING (group_id) WHERE g.name = 'int8' AND s.shard_index = 0
            """;
        var source = Assert.Single(await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString, PlacementOfShard0));
        var target = (await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString, "SELECT name FROM shardgen.nodes WHERE role = 'worker' ORDER BY node_id")).First(n => n != source);

        (code, output) = await RunAsync(["move", .. coordinator, "--group", "int8", "--shard", "0", "--to", target]);
        Assert.True(code == 0, output);
        Assert.Contains("WriteBlock", output, StringComparison.Ordinal);
        Assert.Contains($"Moved shard 0 of group 'int8' from '{source}' to '{target}'", output, StringComparison.Ordinal);
        Assert.Contains("checksum", output, StringComparison.Ordinal);
        Assert.Equal([target], await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString, PlacementOfShard0));

        (code, output) = await RunAsync(["cleanup", .. coordinator]);
        Assert.True(code == 0, output);
        Assert.Contains("Dropped the fenced copies of 1 finished moves", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_worker_rebalance_verify_and_drain_grow_a_cluster_from_two_workers_to_three_and_back()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 3, new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["wal_level"] = "logical" } });
        await using (var source = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(ShardDatabase.Schema).UseShardCount(4)
            .AddWorker(cluster.WorkerConnectionStrings[0], "w1").AddWorker(cluster.WorkerConnectionStrings[1], "w2").Build())
        {
            var db = new ShardDatabase(source);
            await db.ApplySchemaAsync();
            await db.Currencies.InsertAsync(new Currency("EUR", "Euro", 2));
            for (var id = 0; id < 100; id++)
            {
                await db.Accounts.InsertAsync(new Account(id, id, "seed", id));
            }
        }

        string[] coordinator = ["--coordinator", cluster.CoordinatorConnectionString];
        var (code, output) = await RunAsync(["add-worker", .. coordinator, "--name", "w3", cluster.WorkerConnectionStrings[2]]);
        Assert.True(code == 0, output);
        Assert.Contains("Worker 'w3' added", output, StringComparison.Ordinal);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(cluster.WorkerConnectionStrings[2], "SELECT count(*) FROM currencies"));

        (code, output) = await RunAsync(["rebalance", .. coordinator, "--plan"]);
        Assert.True(code == 0, output);
        var planned = Regex.Matches(output, @"move (\S+) shard (\d+) \(\d+ kB\): w[12] -> w3").Count;
        Assert.True(planned > 0, output);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.placements p JOIN shardgen.nodes n USING (node_id) WHERE n.name = 'w3'"));

        (code, output) = await RunAsync(["rebalance", .. coordinator, "--nice-ratio", "-1"]);
        Assert.NotEqual(0, code);
        Assert.Contains("--nice-ratio is 0 or more.", output, StringComparison.Ordinal);

        // Copies that yield to the clients (a pause after each 8 MB copied) end as full-speed ones do.
        (code, output) = await RunAsync(["rebalance", .. coordinator, "--nice-ratio", "1"]);
        Assert.True(code == 0, output);
        Assert.Contains($"move {planned}/{planned}: ", output, StringComparison.Ordinal);
        Assert.Contains($"Rebalanced: {planned} shard groups moved", output, StringComparison.Ordinal);
        Assert.True(await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.placements p JOIN shardgen.nodes n USING (node_id) WHERE n.name = 'w3'") > 0);

        (code, output) = await RunAsync(["verify", .. coordinator]);
        Assert.True(code == 0, output);
        Assert.Contains("(100 rows)", output, StringComparison.Ordinal);
        Assert.Contains("The data matches the metadata.", output, StringComparison.Ordinal);

        (code, output) = await RunAsync(["drain", .. coordinator, "w1"]);
        Assert.True(code == 0, output);
        Assert.Contains("Drained 'w1'", output, StringComparison.Ordinal);
        Assert.Equal(["w2", "w3"], await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString, "SELECT name FROM shardgen.nodes WHERE role = 'worker' ORDER BY name"));

        // A row put on the wrong shard by hand: verify says so and exits with 1.
        var shard = Assert.Single(await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString,
            "SELECT s.table_name || '_' || s.shard_id FROM shardgen.shards s JOIN shardgen.placements p USING (shard_id) JOIN shardgen.nodes n USING (node_id) WHERE n.name = 'w3' AND s.table_name = 'accounts' ORDER BY s.shard_index LIMIT 1"));
        await Sql.ExecuteAsync(cluster.WorkerConnectionStrings[2], $"ALTER TABLE {shard} DROP CONSTRAINT {shard}_hash_range");
        var range = Assert.Single(await Sql.QueryAsync(cluster.CoordinatorConnectionString, "SELECT min_hash, max_hash FROM shardgen.shards WHERE table_name || '_' || shard_id = $1", shard));
        var stranger = await Sql.ScalarAsync<long>(cluster.WorkerConnectionStrings[2],
            "SELECT k FROM generate_series(1000::bigint, 100000) k WHERE hashint8(k) NOT BETWEEN $1 AND $2 LIMIT 1", range[0]!, range[1]!);
        await Sql.ExecuteAsync(cluster.WorkerConnectionStrings[2], $"INSERT INTO {shard} (tenant_id, id, owner, balance) VALUES ($1, 1, 'misplaced', 0)", stranger);
        (code, output) = await RunAsync(["verify", .. coordinator]);
        Assert.Equal(1, code);
        Assert.Contains($"1 rows of shard table \"{shard}\" on worker 'w3'", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Split_doubles_a_group_and_isolate_gives_a_tenant_a_shard_group_of_its_own_with_every_row_kept()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2, new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["wal_level"] = "logical" } });
        await using (var source = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(ShardDatabase.Schema).UseShardCount(2)
            .AddWorker(cluster.WorkerConnectionStrings[0], "w1").AddWorker(cluster.WorkerConnectionStrings[1], "w2").Build())
        {
            var db = new ShardDatabase(source);
            await db.ApplySchemaAsync();
            await db.Accounts.BulkInsertAsync(Enumerable.Range(0, 300).Select(id => new Account(id % 30, id, "seed", id)).ToList());
        }

        string[] coordinator = ["--coordinator", cluster.CoordinatorConnectionString];
        var (code, output) = await RunAsync(["split", "int8", "--shards", "4", .. coordinator]);
        Assert.True(code == 0, output);
        Assert.Contains("split 2/2: int8 shard 0", output, StringComparison.Ordinal);
        Assert.Contains("Split 2 shard groups of 'int8': it has 4 shards", output, StringComparison.Ordinal);
        const string Ranges = """
            SELECT s.shard_index, s.min_hash, s.max_hash FROM shardgen.shards s JOIN shardgen.tables t USING (table_name)
              JOIN shardgen.colocation_groups g USING (group_id) WHERE g.name = 'int8' AND t.table_name = 'accounts' ORDER BY s.shard_index
            """;
        Assert.Equal(
            Enumerable.Range(0, 4).Select(i => (i, HashRanges.MinHash(i, 4), HashRanges.MaxHash(i, 4))),
            (await Sql.QueryAsync(cluster.CoordinatorConnectionString, Ranges)).Select(r => ((int)r[0]!, (int)r[1]!, (int)r[2]!)));

        (code, output) = await RunAsync(["isolate", "int8", "7", "--to", "w1", .. coordinator]);
        Assert.True(code == 0, output);
        var hash = ((ShardKey)7L).Hash();
        var isolated = Assert.Single(
            await Sql.QueryAsync(cluster.CoordinatorConnectionString, Ranges.Replace("ORDER BY", "AND s.min_hash = s.max_hash ORDER BY", StringComparison.Ordinal)));
        Assert.Equal(hash, (int)isolated[1]!);
        Assert.Contains($"The key has shard group {isolated[0]} of 'int8' to itself, on 'w1'", output, StringComparison.Ordinal);

        (code, output) = await RunAsync(["verify", .. coordinator]);
        Assert.True(code == 0, output);
        Assert.Contains("The data matches the metadata.", output, StringComparison.Ordinal);
        Assert.Equal(300L, await CountAsync());

        async Task<long> CountAsync()
        {
            var total = 0L;
            foreach (var shard in await Sql.QueryAsync(cluster.CoordinatorConnectionString, "SELECT s.shard_id, n.port FROM shardgen.shards s JOIN shardgen.placements USING (shard_id) JOIN shardgen.nodes n USING (node_id) WHERE s.table_name = 'accounts'"))
            {
                var worker = cluster.WorkerConnectionStrings.Single(w => new Npgsql.NpgsqlConnectionStringBuilder(w).Port == (int)shard[1]!);
                total += await Sql.ScalarAsync<long>(worker, $"SELECT count(*) FROM accounts_{shard[0]}");
            }

            return total;
        }
    }

    [Fact]
    public async Task A_missing_coordinator_or_assembly_is_a_clear_error()
    {
        var (code, output) = await RunAsync(["status"], environmentCoordinator: false);
        Assert.NotEqual(0, code);
        Assert.Contains("--coordinator", output, StringComparison.Ordinal);

        (code, output) = await RunAsync(["migrate", "--coordinator", "Host=127.0.0.1", "--dry-run"]);
        Assert.NotEqual(0, code);
        Assert.Contains("--assembly", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunAsync(string[] args, bool environmentCoordinator = true)
    {
        var saved = Environment.GetEnvironmentVariable("SHARDGEN_COORDINATOR");
        if (!environmentCoordinator)
        {
            Environment.SetEnvironmentVariable("SHARDGEN_COORDINATOR", null);
        }

        try
        {
            var writer = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(writer),
            });
            console.Profile.Width = 400;
            var code = await ShardGenCommand.RunAsync(args, console);
            return (code, writer.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("SHARDGEN_COORDINATOR", saved);
        }
    }
}
