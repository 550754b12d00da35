using Npgsql;
using ShardGen.Model;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Citus;

/// <summary>
/// For the tests that change the cluster's topology (shard moves, a rebalance onto a node added for the test, tenant
/// isolation) and its tables (schemas that disagree with the model): a Citus cluster given as for
/// <see cref="CitusFixture"/>, and a spare node for the rebalance (<c>SHARDGEN_CITUS_SPARE_NODE</c>, <c>host:port</c>: a
/// server with the citus extension created, not in the cluster). The tests make their own tables (named
/// <c>sgt_*</c>) from the test model's compiled definitions, so that the generated repositories run on them. What a
/// run stopped half-way left behind (the spare node still in the cluster, a rebalance still running, the resources of
/// an interrupted move) is put right before the first test.
/// </summary>
public sealed class CitusTopologyFixture : IAsyncLifetime
{
    public const string NoSpareNode =
        "No spare Citus node given: set SHARDGEN_CITUS_SPARE_NODE to host:port of a server with the citus extension created that is not in the cluster (the test adds it and removes it again).";

    /// <summary>Why the tests cannot run here; null when they can.</summary>
    public string? Unavailable { get; } = CitusFixture.Coordinator is null ? CitusFixture.NoCitus : null;

    public string Coordinator => CitusFixture.Coordinator!;

    /// <summary>The coordinator, for statements that take long (a rebalance, a drain): three minutes before they give up.</summary>
    public string CoordinatorForLongWork => new NpgsqlConnectionStringBuilder(Coordinator) { CommandTimeout = 180 }.ConnectionString;

    /// <summary>The spare node's address, or null when none was given.</summary>
    public (string Host, int Port)? SpareNode { get; } = ParseNode(Environment.GetEnvironmentVariable("SHARDGEN_CITUS_SPARE_NODE"));

    public async Task InitializeAsync()
    {
        if (Unavailable is not null)
        {
            return;
        }

        await StopRebalanceAsync();
        if (SpareNode is { } spare)
        {
            await RemoveNodeAsync(spare.Host, spare.Port);
        }

        await Sql.ExecuteAsync(Coordinator, "CALL citus_cleanup_orphaned_resources()");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// The test model's <c>accounts</c> and <c>entries</c> (one colocation group) as tables named
    /// <c>{prefix}accounts</c> and <c>{prefix}entries</c>, dropped first and created through ApplySchemaAsync.
    /// </summary>
    public async Task<TablePair> CreateTablesAsync(string prefix, int shardCount)
    {
        var accounts = Renamed(AccountRepository.Definition, prefix + "accounts");
        var entries = Renamed(EntryRepository.Definition, prefix + "entries");
        var schema = new SchemaDefinition([accounts, entries]);
        await DropTablesAsync(schema);
        await using var source = CreateSource(schema, b => b.UseShardCount(shardCount));
        await source.ApplySchemaAsync();
        return new TablePair(schema, accounts, entries);
    }

    public ShardedDataSource CreateSource(SchemaDefinition schema, Action<ShardedDataSourceBuilder>? configure = null)
    {
        var builder = CitusFixture.Builder(Coordinator).UseSchema(schema);
        configure?.Invoke(builder);
        return builder.Build();
    }

    public async Task DropTablesAsync(SchemaDefinition schema)
    {
        foreach (var table in schema.Tables)
        {
            await Sql.ExecuteAsync(Coordinator, $"DROP TABLE IF EXISTS {Identifiers.Quote(table.Name)} CASCADE");
        }
    }

    /// <summary>A compiled definition under another name: same columns, keys, placement and statements.</summary>
    public static TableDefinition Renamed(TableDefinition table, string name) =>
        new(name, table.Kind, table.Columns, table.PrimaryKey, table.Statements, table.DistributionColumn, table.KeyType, table.ColocationGroup);

    /// <summary>Where Citus places <paramref name="shardId"/> (its active placement's node).</summary>
    public async Task<(string Host, int Port)> PlacementAsync(long shardId)
    {
        var rows = await Sql.QueryAsync(Coordinator, """
            SELECT n.nodename, n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid)
             WHERE p.shardid = $1 AND p.shardstate = 1
            """, shardId);
        var row = Assert.Single(rows);
        return ((string)row[0]!, (int)row[1]!);
    }

    /// <summary>Moves every shard off the node and takes it out of the cluster; nothing when it is not in it.</summary>
    public async Task RemoveNodeAsync(string host, int port)
    {
        if (await Sql.ScalarAsync<long>(Coordinator, "SELECT count(*) FROM pg_dist_node WHERE nodename = $1 AND nodeport = $2", host, port) == 0)
        {
            return;
        }

        await Sql.ExecuteAsync(CoordinatorForLongWork, "SELECT citus_drain_node($1, $2, shard_transfer_mode => 'block_writes')", host, port);

        // The shards moved off it are dropped there later; a node removed before that keeps them, and a later move
        // of such a shard onto the node added again fails on the leftover.
        await Sql.ExecuteAsync(CoordinatorForLongWork, "CALL citus_cleanup_orphaned_resources()");
        await Sql.ExecuteAsync(Coordinator, "SELECT citus_remove_node($1, $2)", host, port);
    }

    /// <summary>Stops a rebalance that is still running (a test stopped during one); nothing when none is.</summary>
    public async Task StopRebalanceAsync()
    {
        var running = await Sql.ScalarAsync<long>(Coordinator,
            "SELECT count(*) FROM pg_dist_background_job WHERE job_type = 'rebalance' AND state IN ('scheduled', 'running', 'cancelling', 'failing')");
        if (running > 0)
        {
            await Sql.ExecuteAsync(Coordinator, "SELECT citus_rebalance_stop()");
        }
    }

    public string NodeConnectionString(string host, int port) => CitusFixture.Node(Coordinator, host, port);

    private static (string, int)? ParseNode(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), out var port)
            ? (value[..colon], port)
            : throw new FormatException($"SHARDGEN_CITUS_SPARE_NODE is '{value}': give host:port.");
    }
}

/// <param name="Schema">The two tables, a model of their own.</param>
public sealed record TablePair(SchemaDefinition Schema, TableDefinition Accounts, TableDefinition Entries);

/// <summary>
/// The tests that change the cluster's topology run alone, after every other collection: a shard moved or a node
/// added under a test of another collection would fail it for nothing.
/// </summary>
[CollectionDefinition("citus-topology", DisableParallelization = true)]
public sealed class CitusTopologyCollection : ICollectionFixture<CitusTopologyFixture>
{
}
