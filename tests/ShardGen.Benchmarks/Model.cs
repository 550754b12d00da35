using ShardGen;

namespace ShardGen.Benchmarks;

/// <summary>The row every database suite reads and writes: 32 shards by tenant, primary key (tenant_id, id).</summary>
[Distributed(nameof(TenantId))]
public sealed record BenchItem(long TenantId, long Id, string Category, int Quantity, decimal Price, string? Note);

/// <summary>The routed suite's rows: point reads, inserts and updates by full key.</summary>
[Distributed(nameof(TenantId))]
public sealed record RoutedItem(long TenantId, long Id, string Category, int Quantity, decimal Price, string? Note);

/// <summary>The same columns in a table of its own, so that the ingest suite starts from empty shards.</summary>
[Distributed(nameof(TenantId))]
public sealed record IngestItem(long TenantId, long Id, string Category, int Quantity, decimal Price, string? Note);

/// <summary>The migrate suite's week-one table: the same columns again, changed by the suite's later models.</summary>
[Distributed(nameof(TenantId))]
public sealed record MigrateItem(long TenantId, long Id, string Category, int Quantity, decimal Price, string? Note);

/// <summary>Tables distributed by each key type, so that routing is measured for each.</summary>
[Distributed(nameof(Key), Colocation = DistributedAttribute.NoColocation)]
public sealed record ByInt(int Key, long Id);

[Distributed(nameof(Key), Colocation = DistributedAttribute.NoColocation)]
public sealed record ByText(string Key, long Id);

[Distributed(nameof(Key), Colocation = DistributedAttribute.NoColocation)]
public sealed record ByUuid(Guid Key, long Id);

public sealed record CategoryTotal(string Category, long Items, long Quantity, decimal AveragePrice);

public sealed record TopItem(long TenantId, long Id, decimal Price);

public sealed record CategoryCount(string Category, long Items, long Quantity);

/// <summary>The fan-out suite's queries: the same SQL runs unchanged on the unsharded server.</summary>
public sealed partial class BenchQueries(ShardDatabase db)
{
    public const string TotalsSql =
        "SELECT category, count(*) AS items, sum(quantity) AS quantity, avg(price) AS average_price FROM bench_items GROUP BY category ORDER BY category";

    public const string TopSql = "SELECT tenant_id, id, price FROM bench_items ORDER BY price DESC, tenant_id, id LIMIT 10";

    private readonly ShardDatabase _db = db;

    [Query(TotalsSql)]
    public partial Task<List<CategoryTotal>> Totals(CancellationToken cancellationToken = default);

    [Query(TopSql)]
    public partial Task<List<TopItem>> Top(CancellationToken cancellationToken = default);

    /// <summary>The citus suite's multi-shard aggregate over the routed rows (10,000 rows in 1,000 tenants).</summary>
    public const string RoutedCountsSql =
        "SELECT category, count(*) AS items, sum(quantity) AS quantity FROM routed_items GROUP BY category ORDER BY category";

    [Query(RoutedCountsSql)]
    public partial Task<List<CategoryCount>> RoutedCounts(CancellationToken cancellationToken = default);
}
