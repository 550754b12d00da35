using Npgsql;
using ShardGen.Testing;
using ShardGen.Tests.Integration;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Queries;

/// <summary>
/// A real cluster (coordinator + 2 workers, 32 shards) with the test model and <see cref="TestQueries"/>
/// applied, and rows in it: 60 tenants with 1 to 4 accounts each (balance = tenant * 100 + id, all
/// different), one entry per account (memo = a currency code), currencies, settings and counters.
/// </summary>
public sealed class QueryFixture : IAsyncLifetime
{
    public const int Tenants = 60;

    public LocalPostgresCluster Cluster { get; private set; } = null!;

    public ShardedDataSource Source { get; private set; } = null!;

    public ShardDatabase Db { get; private set; } = null!;

    /// <summary>Every account inserted, in insertion order.</summary>
    public IReadOnlyList<Account> Accounts { get; private set; } = [];

    public static int AccountsOf(long tenant) => 1 + (int)(tenant % 4);

    public async Task InitializeAsync()
    {
        Cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        Source = ShardedDatabaseFixture.CreateSource(Cluster, TestQueries.Schema);
        Db = new ShardDatabase(Source);
        await Db.ApplySchemaAsync();
        Accounts = await SeedAsync(Db);
    }

    public static async Task<IReadOnlyList<Account>> SeedAsync(ShardDatabase db)
    {
        await db.Currencies.InsertAsync(new Currency("CHF", "Swiss franc", 2));
        await db.Currencies.InsertAsync(new Currency("EUR", "Euro", 2));
        await db.Currencies.InsertAsync(new Currency("JPY", "Yen", 0));
        await db.Settings.InsertAsync(new Setting("base", "CHF"));
        await db.Settings.InsertAsync(new Setting("theme", "dark"));

        var accounts = new List<Account>();
        for (long tenant = 1; tenant <= Tenants; tenant++)
        {
            for (long id = 1; id <= AccountsOf(tenant); id++)
            {
                var account = new Account(tenant, id, $"owner {tenant}/{id}", tenant * 100 + id);
                accounts.Add(account);
                await db.Accounts.InsertAsync(account);
                await db.Entries.InsertAsync(new Entry(tenant, id * 10, id, id * 1.5m, id % 2 == 0 ? "EUR" : "CHF"));
            }
        }

        for (var region = 1; region <= 30; region++)
        {
            await db.Counters.InsertAsync(new Counter(region, 1, 0));
            await db.Counters.InsertAsync(new Counter(region, 2, 0));
        }

        return accounts;
    }

    /// <summary>Backends on the workers still running a statement that contains <paramref name="marker"/>.</summary>
    public static async Task<long> ActiveStatementsAsync(IPostgresCluster cluster, string marker)
    {
        long active = 0;
        foreach (var worker in cluster.WorkerConnectionStrings)
        {
            active += await Infrastructure.Sql.ScalarAsync<long>(worker,
                "SELECT count(*) FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() AND position($1 in query) > 0",
                marker);
        }

        return active;
    }

    public static void BindNothing(NpgsqlParameterCollection parameters, int args)
    {
    }

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

[CollectionDefinition("queries")]
public sealed class QueryCollection : ICollectionFixture<QueryFixture>
{
}
