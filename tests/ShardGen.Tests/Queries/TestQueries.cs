using ShardGen.Model;

namespace ShardGen.Tests.Queries;

/// <summary>
/// Queries written by hand the way the generator plans <c>[Query]</c> methods, over the tables of the
/// test model: what the run time is given, without the generator.
/// </summary>
internal static class TestQueries
{
    private const string Prefix = "ShardGen.Tests.Queries.TestQueries.";

    public static readonly QueryDefinition AccountsOfTenant = new(
        Prefix + nameof(AccountsOfTenant), QueryTarget.Router,
        new SqlTemplate("SELECT \"tenant_id\", \"id\", \"owner\", \"balance\" FROM ", " WHERE \"tenant_id\" = $1 ORDER BY \"id\""),
        routingTable: "accounts");

    public static readonly QueryDefinition AccountById = new(
        Prefix + nameof(AccountById), QueryTarget.Router,
        new SqlTemplate("SELECT \"tenant_id\", \"id\", \"owner\", \"balance\" FROM ", " WHERE \"tenant_id\" = $1 AND \"id\" = $2"),
        routingTable: "accounts");

    public static readonly QueryDefinition RenameOwners = new(
        Prefix + nameof(RenameOwners), QueryTarget.Router,
        new SqlTemplate("UPDATE ", " SET \"owner\" = $2 WHERE \"tenant_id\" = $1"),
        routingTable: "accounts");

    /// <summary>Fails with division_by_zero (22012) as soon as the key has a row.</summary>
    public static readonly QueryDefinition DivideByZero = new(
        Prefix + nameof(DivideByZero), QueryTarget.Router,
        new SqlTemplate("SELECT 1 / (\"tenant_id\" - $1) FROM ", " WHERE \"tenant_id\" = $1"),
        routingTable: "accounts");

    /// <summary>A router join of two colocated tables on their key, and a reference table: three table places.</summary>
    public static readonly QueryDefinition EntriesWithCurrency = new(
        Prefix + nameof(EntriesWithCurrency), QueryTarget.Router,
        new SqlTemplate(
            [
                "SELECT a.\"owner\", e.\"id\", e.\"amount\", c.\"name\" FROM ",
                " AS a JOIN ",
                " AS e ON e.\"tenant_id\" = a.\"tenant_id\" AND e.\"account_id\" = a.\"id\" JOIN ",
                " AS c ON c.\"code\" = e.\"memo\" WHERE a.\"tenant_id\" = $1 ORDER BY e.\"id\"",
            ],
            ["accounts", "entries", "currencies"]),
        routingTable: "accounts");

    /// <summary>Every account, each worker's shards in one batch.</summary>
    public static readonly QueryDefinition AllBalances = new(
        Prefix + nameof(AllBalances), QueryTarget.FanOut,
        new SqlTemplate("SELECT \"balance\", \"tenant_id\", \"id\" FROM ", ""),
        routingTable: "accounts");

    /// <summary>Every account, one statement per worker sorted by balance, merged.</summary>
    public static readonly QueryDefinition BalancesDescending = new(
        Prefix + nameof(BalancesDescending), QueryTarget.FanOut,
        new SqlTemplate("SELECT \"balance\", \"tenant_id\", \"id\" FROM ", ""),
        routingTable: "accounts",
        workerPrefix: "SELECT * FROM (",
        workerSuffix: ") AS w ORDER BY 1 DESC");

    /// <summary>Each row says which shard table it came from (the quoted name, as a string literal).</summary>
    public static readonly QueryDefinition ShardOfEachAccount = new(
        Prefix + nameof(ShardOfEachAccount), QueryTarget.FanOut,
        new SqlTemplate(["SELECT '", "' AS shard_table, \"tenant_id\" FROM ", ""], ["accounts", "accounts"]),
        routingTable: "accounts");

    /// <summary>The same, combined per worker and sorted by tenant.</summary>
    public static readonly QueryDefinition ShardOfEachAccountSorted = new(
        Prefix + nameof(ShardOfEachAccountSorted), QueryTarget.FanOut,
        new SqlTemplate(["SELECT '", "' AS shard_table, \"tenant_id\" FROM ", ""], ["accounts", "accounts"]),
        routingTable: "accounts",
        workerPrefix: "SELECT * FROM (",
        workerSuffix: ") AS w ORDER BY 2");

    /// <summary>Many rows per shard (independent of the data), sorted per worker: for streaming.</summary>
    public static readonly QueryDefinition ManyRowsSorted = new(
        Prefix + nameof(ManyRowsSorted), QueryTarget.FanOut,
        new SqlTemplate(["SELECT /* many-rows */ g, '", "' AS shard_table FROM generate_series(1, $1) AS g"], ["accounts"]),
        routingTable: "accounts",
        workerPrefix: "SELECT * FROM (",
        workerSuffix: ") AS w ORDER BY 1 DESC");

    /// <summary>Many rows per shard, each worker's shards in one batch: for cancellation.</summary>
    public static readonly QueryDefinition ManyRows = new(
        Prefix + nameof(ManyRows), QueryTarget.FanOut,
        new SqlTemplate(["SELECT /* many-rows */ g, '", "' AS shard_table FROM generate_series(1, $1) AS g"], ["accounts"]),
        routingTable: "accounts");

    public static readonly QueryDefinition CountAccounts = new(
        Prefix + nameof(CountAccounts), QueryTarget.FanOut,
        new SqlTemplate("SELECT count(*) FROM ", ""),
        routingTable: "accounts");

    /// <summary>A fan-out write on table counters (colocation group int4).</summary>
    public static readonly QueryDefinition BumpCounters = new(
        Prefix + nameof(BumpCounters), QueryTarget.FanOut,
        new SqlTemplate("UPDATE ", " SET \"value\" = \"value\" + $1"),
        routingTable: "counters");

    public static readonly QueryDefinition CurrencyNames = new(
        Prefix + nameof(CurrencyNames), QueryTarget.Reference,
        new SqlTemplate(["SELECT \"code\", \"name\" FROM ", " ORDER BY \"code\""], ["currencies"]));

    public static readonly QueryDefinition SetDigits = new(
        Prefix + nameof(SetDigits), QueryTarget.Reference,
        new SqlTemplate(["UPDATE ", " SET \"digits\" = $2 WHERE \"code\" = $1"], ["currencies"]));

    /// <summary>A local table joined with the coordinator's copy of a reference table.</summary>
    public static readonly QueryDefinition SettingsWithCurrency = new(
        Prefix + nameof(SettingsWithCurrency), QueryTarget.Local,
        new SqlTemplate(
            ["SELECT s.\"key\", s.\"value\", c.\"name\" FROM ", " AS s LEFT JOIN ", " AS c ON c.\"code\" = s.\"value\" ORDER BY s.\"key\""],
            ["settings", "currencies"]));

    public static readonly QueryDefinition SetSetting = new(
        Prefix + nameof(SetSetting), QueryTarget.Local,
        new SqlTemplate(["UPDATE ", " SET \"value\" = $2 WHERE \"key\" = $1"], ["settings"]));

    public static IReadOnlyList<QueryDefinition> All { get; } =
    [
        AccountsOfTenant, AccountById, RenameOwners, DivideByZero, EntriesWithCurrency, AllBalances, BalancesDescending,
        ShardOfEachAccount, ShardOfEachAccountSorted, ManyRowsSorted, ManyRows, CountAccounts, BumpCounters,
        CurrencyNames, SetDigits, SettingsWithCurrency, SetSetting,
    ];

    /// <summary>The generated model's tables (and queries, if any) plus the queries above.</summary>
    public static SchemaDefinition Schema { get; } = new([.. ShardDatabase.Schema.Tables], [.. ShardDatabase.Schema.Queries, .. All]);
}

/// <summary>A row of <see cref="TestQueries.AllBalances"/> and <see cref="TestQueries.BalancesDescending"/>.</summary>
internal sealed record Balance(decimal Amount, long TenantId, long Id)
{
    public static Balance Read(Npgsql.NpgsqlDataReader reader) => new(reader.GetDecimal(0), reader.GetInt64(1), reader.GetInt64(2));

    public static int Descending(Balance a, Balance b) => b.Amount.CompareTo(a.Amount);
}
