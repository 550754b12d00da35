using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using ShardGen.Tests.Queries;

namespace ShardGen.Tests.Transactions;

/// <summary>
/// A real cluster (coordinator + 2 workers, 8 shards) with the test model, the hand-written queries and
/// <see cref="TransactionQueries"/> applied; background recovery off, so that each test decides when
/// recovery runs. Helpers read what the servers hold with SQL sent straight to them.
/// </summary>
public sealed class TransactionCluster : IAsyncLifetime
{
    public const int ShardCount = 8;

    public static SchemaDefinition Schema { get; } =
        new([.. ShardDatabase.Schema.Tables], [.. ShardDatabase.Schema.Queries, .. TestQueries.All, .. TransactionQueries.All]);

    public LocalPostgresCluster Cluster { get; private set; } = null!;

    public ShardedDataSource Source { get; private set; } = null!;

    public ShardDatabase Db { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        Source = CreateSource(Cluster);
        Db = new ShardDatabase(Source);
        await Db.ApplySchemaAsync();
    }

    public static ShardedDataSource CreateSource(IPostgresCluster cluster, bool recoverOnLoad = false)
    {
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString)
            .UseSchema(Schema)
            .UseShardCount(ShardCount)
            .UseTransactionRecovery(Timeout.InfiniteTimeSpan, onLoad: recoverOnLoad);
        for (var i = 0; i < cluster.WorkerConnectionStrings.Count; i++)
        {
            builder.AddWorker(cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder.Build();
    }

    /// <summary>Tenant ids from <paramref name="from"/> on whose accounts live on worker 1 and on worker 2 (by index).</summary>
    public async Task<(long OnWorker1, long OnWorker2)> TenantsOnBothWorkersAsync(long from)
    {
        var map = await Source.GetShardMapAsync();
        long? first = null, second = null;
        for (var tenant = from; first is null || second is null; tenant++)
        {
            var node = map.Route(AccountRepository.Definition, tenant).Node.Name;
            if (node == "worker1")
            {
                first ??= tenant;
            }
            else
            {
                second ??= tenant;
            }
        }

        return (first!.Value, second!.Value);
    }

    /// <summary>Distinct tenant ids from <paramref name="from"/> on, <paramref name="count"/> whose accounts live on worker 1 and as many on worker 2.</summary>
    public async Task<(List<long> OnWorker1, List<long> OnWorker2)> TenantsOnEachWorkerAsync(long from, int count)
    {
        var onWorker1 = new List<long>();
        var onWorker2 = new List<long>();
        for (; onWorker1.Count < count || onWorker2.Count < count; from++)
        {
            var (t1, t2) = await TenantsOnBothWorkersAsync(from);
            if (onWorker1.Count < count && !onWorker1.Contains(t1))
            {
                onWorker1.Add(t1);
            }

            if (onWorker2.Count < count && !onWorker2.Contains(t2))
            {
                onWorker2.Add(t2);
            }
        }

        return (onWorker1, onWorker2);
    }

    /// <summary>The connection string of the worker that holds <paramref name="tenant"/>'s accounts.</summary>
    public async Task<string> WorkerOfAsync(long tenant)
    {
        var map = await Source.GetShardMapAsync();
        var node = map.Route(AccountRepository.Definition, tenant).Node.Name;
        return Cluster.WorkerConnectionStrings[node == "worker1" ? 0 : 1];
    }

    /// <summary>An account's balance read straight from the worker's shard table; null when the row is not there.</summary>
    public async Task<decimal?> BalanceOnServerAsync(long tenant, long id)
    {
        var route = await Source.RouteAsync(AccountRepository.Definition, tenant);
        var rows = await Sql.QueryAsync(
            await WorkerOfAsync(tenant), $"SELECT balance FROM \"{route.ShardTable}\" WHERE tenant_id = $1 AND id = $2", tenant, id);
        return rows.Count == 0 ? null : (decimal)rows[0][0]!;
    }

    /// <summary>Prepared transactions on every node, straight from pg_prepared_xacts.</summary>
    public async Task<long> PreparedEverywhereAsync()
    {
        long prepared = 0;
        foreach (var node in Cluster.Nodes)
        {
            prepared += await Sql.ScalarAsync<long>(node.ConnectionString, "SELECT count(*) FROM pg_prepared_xacts");
        }

        return prepared;
    }

    public Task<long> DecisionRecordsAsync() =>
        Sql.ScalarAsync<long>(Cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.commit_decisions");

    /// <summary>Each node's copy of the currencies, as "code:name:digits" lines in code order.</summary>
    public async Task<List<string>> CurrencyCopiesAsync()
    {
        var copies = new List<string>();
        foreach (var node in Cluster.Nodes)
        {
            var rows = await Sql.QueryAsync(node.ConnectionString, "SELECT code, name, digits FROM currencies ORDER BY code");
            copies.Add(string.Join("\n", rows.Select(r => $"{r[0]}:{r[1]}:{r[2]}")));
        }

        return copies;
    }

    /// <summary>Drops pooled connections of the data source (after a server was killed or its backends terminated).</summary>
    public void ClearPools()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        Source.Coordinator.DataSource.Clear();
        foreach (var worker in Source.CurrentShardMap!.Workers)
        {
            worker.DataSource.Clear();
        }
    }

    /// <summary>Terminates every client backend of <paramref name="node"/>'s database but the caller's: the connections are cut.</summary>
    public static Task<int> CutConnectionsAsync(PostgresNode node) =>
        Sql.ExecuteAsync(
            node.ConnectionString,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");

    public PostgresNode NodeNamed(string name) =>
        name == "coordinator" ? Cluster.Coordinator : Cluster.Workers[int.Parse(name["worker".Length..], System.Globalization.CultureInfo.InvariantCulture) - 1];

    public async Task DisposeAsync()
    {
        if (Source is not null)
        {
            await Source.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

/// <summary>Planned queries only the transaction tests use.</summary>
internal static class TransactionQueries
{
    private const string Prefix = "ShardGen.Tests.Transactions.TransactionQueries.";

    /// <summary>A fan-out write on counters that fails (division by zero) on the shard holding region $2 and succeeds elsewhere.</summary>
    public static readonly QueryDefinition BumpCountersFailingAt = new(
        Prefix + nameof(BumpCountersFailingAt), QueryTarget.FanOut,
        new SqlTemplate("UPDATE ", " SET \"value\" = \"value\" + $1 / (\"region\" - $2)"),
        routingTable: "counters");

    /// <summary>Adds $3 to one account's balance: a router write whose result does not depend on what was read.</summary>
    public static readonly QueryDefinition AddToBalance = new(
        Prefix + nameof(AddToBalance), QueryTarget.Router,
        new SqlTemplate("UPDATE ", " SET \"balance\" = \"balance\" + $3 WHERE \"tenant_id\" = $1 AND \"id\" = $2"),
        routingTable: "accounts");

    public static IReadOnlyList<QueryDefinition> All { get; } = [BumpCountersFailingAt, AddToBalance];

    /// <summary>Runs <see cref="AddToBalance"/> (in the flow's transaction, if any).</summary>
    public static Task<int> AddAsync(ShardedDataSource source, long tenant, long id, decimal amount, CancellationToken cancellationToken = default) =>
        source.Query(AddToBalance).ExecuteAsync(
            tenant,
            (tenant, id, amount),
            static (parameters, args) =>
            {
                parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = args.tenant });
                parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = args.id });
                parameters.Add(new Npgsql.NpgsqlParameter<decimal> { TypedValue = args.amount });
            },
            cancellationToken);

    /// <summary>Starts <paramref name="work"/> in a flow of its own: without the caller's ambient transaction.</summary>
    public static Task Detached(Func<Task> work)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(work);
        }
    }
}
