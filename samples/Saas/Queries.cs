using ShardGen;

namespace Saas;

public sealed record DashboardLine(long Id, decimal Total, OrderStatus Status, string DisplayName, string PlanName);

public sealed record PlanReport(string PlanCode, long Orders, decimal Revenue, decimal AverageOrder);

public sealed record TopOrder(long TenantId, long Id, decimal Total);

public sealed record TenantSummary(long TenantId, string Name, string CountryName);

public sealed record UserSpend(string DisplayName, decimal Spent);

public sealed record TenantName(long TenantId, string Name);

public sealed record CountryTenants(string Name, long Tenants);

/// <summary>
/// The sample's own SQL, planned at build time: each method below becomes code that runs on one
/// shard, on the shards of a few tenants, or on all 32 shards with the merge spelled out.
/// </summary>
public sealed partial class SaasQueries(ShardDatabase db)
{
    private readonly ShardDatabase _db = db;

    // Router: pinned to one tenant, so it runs whole on that tenant's shard — a colocated join
    // (orders, users, tenants) and a join to a reference table (plans) included.
    [Query("""
        SELECT o.id, o.total, o.status, u.display_name, p.name AS plan_name
          FROM orders o
          JOIN users u ON u.tenant_id = o.tenant_id AND u.id = o.user_id
          JOIN tenants t ON t.tenant_id = o.tenant_id
          JOIN plans p ON p.code = t.plan_code
         WHERE o.tenant_id = @tenantId
         ORDER BY o.created_at DESC, o.id
         LIMIT 10
        """)]
    public partial Task<List<DashboardLine>> TenantDashboard(long tenantId, CancellationToken cancellationToken = default);

    // Multi-shard: partial aggregates per shard, combined per worker in SQL and across workers here.
    [Query("""
        SELECT t.plan_code, count(*) AS orders, sum(o.total) AS revenue, avg(o.total) AS average_order
          FROM orders o
          JOIN tenants t ON t.tenant_id = o.tenant_id
         WHERE o.status <> 3
         GROUP BY t.plan_code
         ORDER BY revenue DESC
         LIMIT 5
        """)]
    public partial Task<List<PlanReport>> RevenueByPlan(CancellationToken cancellationToken = default);

    // Multi-shard: each shard's top 5, merged in order, the first 5 kept.
    [Query("SELECT tenant_id, id, total FROM orders ORDER BY total DESC, tenant_id, id LIMIT 5")]
    public partial Task<List<TopOrder>> LargestOrders(CancellationToken cancellationToken = default);

    // Several keys: only the shards that hold these tenants are asked.
    [Query("""
        SELECT t.tenant_id, t.name, c.name AS country_name
          FROM tenants t
          JOIN countries c ON c.code = t.country_code
         WHERE t.tenant_id = ANY(@tenantIds)
         ORDER BY t.tenant_id
        """)]
    public partial Task<List<TenantSummary>> Lookup(long[] tenantIds, CancellationToken cancellationToken = default);

    // Router with a common table expression: every table is pinned to the tenant, so the whole
    // statement, WITH included, runs on that tenant's shard (as Citus's router planner runs it).
    [Query("""
        WITH spend AS (
            SELECT user_id, sum(total) AS spent FROM orders WHERE tenant_id = @tenantId GROUP BY user_id
        )
        SELECT u.display_name, s.spent
          FROM spend s
          JOIN users u ON u.tenant_id = @tenantId AND u.id = s.user_id
         ORDER BY s.spent DESC
        """)]
    public partial Task<List<UserSpend>> SpendByUser(long tenantId, CancellationToken cancellationToken = default);

    // Multi-shard with a subquery correlated on the distribution key: it runs inside each shard,
    // next to the rows it reads.
    [Query("""
        SELECT t.tenant_id, t.name
          FROM tenants t
         WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = t.tenant_id AND o.total >= @atLeast)
         ORDER BY t.tenant_id
         LIMIT 5
        """)]
    public partial Task<List<TenantName>> TenantsWithoutOrdersOver(decimal atLeast, CancellationToken cancellationToken = default);

    // A reference table on the preserved side of an outer join: countries without tenants must appear
    // once, so the tenants' rows (two columns) are read from the shards and the join runs on the
    // coordinator, which holds a copy of countries (SG0122 notes it in the IDE).
    [Query("""
        SELECT c.name, count(t.tenant_id) AS tenants
          FROM countries c
          LEFT JOIN tenants t ON t.country_code = c.code
         GROUP BY c.name
         ORDER BY c.name
        """)]
    public partial Task<List<CountryTenants>> TenantsPerCountry(CancellationToken cancellationToken = default);

    // A multi-row INSERT over two tenants: split by key into one statement per tenant's shard, both
    // written in one transaction (two-phase commit when the tenants live on different workers).
    [Query("""
        INSERT INTO orders (tenant_id, id, user_id, status, total, created_at, note)
        VALUES (@first, 2000, 1, 0, @amount, @at, 'welcome credit'),
               (@second, 2000, 1, 0, @amount, @at, 'welcome credit')
        """)]
    public partial Task<int> WelcomeCredit(long first, long second, decimal amount, DateTimeOffset at, CancellationToken cancellationToken = default);
}
