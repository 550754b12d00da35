using ShardGen;

namespace ShardGen.Tests.Differential;

// Result rows: property order is select-list order, which the differential comparison relies on.
public sealed record IdRow(long Id);

public sealed record KeyRow(long TenantId, long Id);

public sealed record CustomerRow(long Id, string Name, string? CountryCode, int Tier);

public sealed record RecentOrderRow(long Id, decimal Total, string Name);

public sealed record DashboardRow(long Id, string Name, string? Country);

public sealed record StatusTotalRow(string Status, long N, decimal? Total);

public sealed record IdTotalRow(long Id, decimal Total);

public sealed record ExpressionRow(long Id, string Size, int Rounded, string Note);

public sealed record NameRow(long Id, string Name);

public sealed record StatusRow(string Status);

public sealed record TenantCountRow(long TenantId, long N);

public sealed record KeyTotalRow(long TenantId, long Id, decimal Total);

public sealed record KeyNoteRow(long TenantId, long Id, string? Note);

public sealed record StatusQuantityRow(string Status, int Quantity);

public sealed record PlainNameRow(string Name);

public sealed record QuantityRow(int Quantity);

public sealed record KeyNameRow(long TenantId, long Id, string Name);

public sealed record KeyRegionRow(long TenantId, long Id, string Region);

public sealed record TotalsRow(long N, decimal? Total, decimal? Lo, decimal? Hi, decimal? Mean);

public sealed record StatusStatsRow(string Status, long N, long Qty, decimal MeanQty);

public sealed record StatusCountRow(string Status, long N);

public sealed record RevenueRow(int Quantity, decimal Revenue);

public sealed record TenantMeanRow(long TenantId, long N, decimal Mean);

public sealed record EmptyTotalsRow(long N, decimal? Total, decimal? Mean, DateTimeOffset? Latest);

public sealed record WeightRow(string Status, double W, double TotalWeight);

public sealed record FirstLastRow(string? First, string? Last);

public sealed record RegionCountRow(string Region, long N);

public sealed record NoteCountRow(string? Note, long N);

public sealed record KeyCountRow(long TenantId, long Id, long N);

public sealed record KeyRankCountRow(long TenantId, long Id, long N, long C);

public sealed record WholeCustomerRow(long TenantId, long Id, string Name, string? CountryCode, int Tier, DateTimeOffset JoinedAt);

public sealed record WholeLineRow(long TenantId, long OrderId, int LineNo, string Sku, int Qty, decimal Price);

public sealed record RankedOrderRow(long Id, decimal Total, long R);

public sealed record PaidRow(long N, decimal? Total);

public sealed record CustomerOrderRow(long CustomerId, long Id, decimal Total);

public sealed record QuantityPaidRow(int Quantity, long Paid, decimal? Mean, decimal? Top);

public sealed record CountryCountRow(string Code, string Name, long N);

public sealed record KeyCountTotalRow(string Key, long N, decimal? Total);

public sealed record SettingOrderRow(string Key, long Id, decimal Total, double Weight, string? Note, DateTimeOffset CreatedAt);

public sealed record TenantTotalRow(long TenantId, decimal Total);

public sealed record CountryRow(string Code, string Name);

public sealed record CustomerXmlRow(long Id, string Xml, string Extra, bool Senior);

public sealed record XmlTagRow(long Id, int Ord, string Tag, int Weight);

public sealed record SampleRow(long N, long None);

public sealed record CountryRegionRow(string Code, string Name, string Region);

public sealed record SettingRow(string Key, string Value);

public sealed record StatusDistinctRow(string Status, long Customers, long N, decimal Mean);

public sealed record QuantityStatusesRow(int Quantity, long Statuses);

public sealed record LineStatsRow(string Sku, long Lines, long Units, decimal? Cheapest);

public sealed record RepeatedTotalRow(decimal Total, long N, decimal Mean, string? FirstNote, string? LastNote);

public sealed record QuantityMeanRow(int Quantity, decimal Mean, decimal Zero, decimal MeanQuantity, long Units, double W);

public sealed record TierNamesRow(int Tier, string First, string Last, long N);

public sealed record NameCountRow(string Name, long N);

public sealed record StatusFirstNoteRow(string Status, string? FirstNote, long N);

public sealed record IdStatusRow(long Id, string Status);

public sealed record IdDoubledRow(long Id, int Doubled);

public sealed record OrderStepRow(long Id, int Step);

public sealed record IdWordRow(long Id, string Word);

public sealed record MedianRow(double? Median, string? Common, decimal? Lowest);

public sealed record GroupingRow(string? Status, int? Quantity, long N, int Level);

public sealed record StatusCountRankRow(string Status, long N, long R);

public sealed record LockedOrderRow(long Id, string Status, string? Note);

/// <summary>
/// The [Query] methods of the differential test: every plan kind (router, router with colocated and
/// reference joins, several keys, every shard with each merge, aggregates, reference, local).
/// </summary>
public sealed partial class ShopQueries
{
    public ShopQueries(ShardedDataSource source) => Source = source;

    public ShardedDataSource Source { get; }

    // ---- router: one distribution key

    [Query("SELECT id, name, country_code, tier FROM customers WHERE tenant_id = @tenantId AND id = @id")]
    public partial Task<CustomerRow?> CustomerById(long tenantId, long id, CancellationToken cancellationToken = default);

    [Query("SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @tenantId AND o.status = @status ORDER BY o.created_at DESC, o.id LIMIT 20")]
    public partial Task<List<RecentOrderRow>> RecentOrders(long tenantId, string status, CancellationToken cancellationToken = default);

    [Query("SELECT c.id, c.name, co.name AS country FROM customers c LEFT JOIN countries co ON co.code = c.country_code WHERE c.tenant_id = @tenantId ORDER BY c.id")]
    public partial Task<List<DashboardRow>> TenantDashboard(long tenantId);

    [Query("SELECT status, count(*) AS n, sum(total) AS total FROM orders WHERE tenant_id = @tenantId GROUP BY status ORDER BY status")]
    public partial Task<List<StatusTotalRow>> TenantTotals(long tenantId);

    [Query("SELECT count(*) FROM orders WHERE tenant_id = @tenantId")]
    public partial Task<long> CountOrders(long tenantId);

    [Query("SELECT id FROM orders WHERE tenant_id = 7 AND quantity > @min ORDER BY id")]
    public partial Task<List<IdRow>> LiteralKey(int min);

    [Query("SELECT id, total FROM orders WHERE tenant_id = @tenantId ORDER BY id")]
    public partial IAsyncEnumerable<IdTotalRow> StreamTenant(long tenantId, CancellationToken cancellationToken = default);

    [Query("""
        SELECT id,
               CASE WHEN total > 500 THEN 'big' ELSE 'small' END AS size,
               CAST(total AS integer) AS rounded,
               coalesce(note, '-') AS note
          FROM orders
         WHERE tenant_id = @tenantId AND note IS NULL AND NOT (quantity = 1)
         ORDER BY id
        """)]
    public partial Task<List<ExpressionRow>> Expressions(long tenantId);

    [Query("SELECT id, name FROM customers WHERE tenant_id = @tenantId AND name ILIKE @pattern ORDER BY id")]
    public partial Task<List<NameRow>> CustomersLike(long tenantId, string pattern);

    [Query("SELECT id FROM orders WHERE tenant_id = @tenantId AND total BETWEEN @lo AND @hi ORDER BY id")]
    public partial Task<List<IdRow>> TotalBetween(long tenantId, decimal lo, decimal hi);

    [Query("SELECT id FROM orders WHERE tenant_id = @tenantId AND status IN ('paid', 'shipped') AND (quantity < 2 OR quantity > 4) ORDER BY id")]
    public partial Task<List<IdRow>> StatusIn(long tenantId);

    [Query("SELECT id FROM orders WHERE tenant_id = @tenantId ORDER BY id LIMIT 5 OFFSET 100000")]
    public partial Task<List<IdRow>> RouterOffsetPastEnd(long tenantId);

    [Query("SELECT DISTINCT status FROM orders WHERE tenant_id = @tenantId ORDER BY status")]
    public partial Task<List<StatusRow>> RouterDistinct(long tenantId);

    // ---- several keys

    [Query("SELECT tenant_id, count(*) AS n FROM orders WHERE tenant_id = ANY(@tenantIds) GROUP BY tenant_id ORDER BY tenant_id")]
    public partial Task<List<TenantCountRow>> CountPerTenant(long[] tenantIds);

    [Query("SELECT tenant_id, id, total FROM orders WHERE tenant_id IN (@a, @b, @c) ORDER BY total DESC, tenant_id, id LIMIT 25")]
    public partial Task<List<KeyTotalRow>> TopOfThree(long a, long b, long c);

    [Query("SELECT id, name FROM customers WHERE tenant_id = ANY(@ids) ORDER BY name, id")]
    public partial Task<List<NameRow>> CustomersOf(List<long> ids);

    [Query("SELECT status, count(*) AS n FROM orders WHERE tenant_id = ANY(@ids) GROUP BY status ORDER BY status")]
    public partial Task<List<StatusCountRow>> StatusOf(long[] ids);

    // ---- every shard: concatenation, ordered merge, LIMIT/OFFSET, DISTINCT, joins

    [Query("SELECT tenant_id, id FROM orders WHERE total > 900")]
    public partial Task<List<KeyRow>> BigOrders();

    [Query("SELECT tenant_id, id, total FROM orders ORDER BY total DESC, tenant_id, id LIMIT 10")]
    public partial Task<List<KeyTotalRow>> TopTotals();

    [Query("SELECT tenant_id, id, total FROM orders ORDER BY total DESC, tenant_id, id LIMIT @limit OFFSET @offset")]
    public partial Task<List<KeyTotalRow>> TopTotalsPage(int limit, int offset);

    [Query("SELECT tenant_id, id FROM orders ORDER BY created_at DESC, tenant_id DESC, id DESC LIMIT 15")]
    public partial Task<List<KeyRow>> LatestByHiddenColumn();

    [Query("SELECT tenant_id, id, note FROM orders WHERE quantity = 3 ORDER BY note NULLS FIRST, tenant_id, id")]
    public partial Task<List<KeyNoteRow>> NullsFirst();

    [Query("SELECT tenant_id, id, note FROM orders WHERE quantity = 2 ORDER BY note DESC, tenant_id, id")]
    public partial Task<List<KeyNoteRow>> NullsDescending();

    [Query("SELECT status, quantity FROM orders WHERE tenant_id > 10 ORDER BY quantity")]
    public partial Task<List<StatusQuantityRow>> Ties();

    [Query("SELECT status, quantity FROM orders ORDER BY quantity DESC LIMIT 7")]
    public partial Task<List<StatusQuantityRow>> TiesWithLimit();

    [Query("SELECT name FROM customers ORDER BY name, tenant_id, id LIMIT 30")]
    public partial Task<List<PlainNameRow>> FirstNames();

    [Query("SELECT DISTINCT status FROM orders ORDER BY status")]
    public partial Task<List<StatusRow>> Statuses();

    [Query("SELECT DISTINCT quantity FROM orders")]
    public partial Task<List<QuantityRow>> Quantities();

    [Query("SELECT id FROM orders ORDER BY id, tenant_id LIMIT 10 OFFSET 100000")]
    public partial Task<List<IdRow>> OffsetPastEnd();

    [Query("SELECT tenant_id, id FROM orders WHERE quantity = 1 ORDER BY tenant_id, id")]
    public partial IAsyncEnumerable<KeyRow> StreamSmallOrders(CancellationToken cancellationToken = default);

    [Query("SELECT o.tenant_id, o.id, c.name FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.total > 950 ORDER BY o.tenant_id, o.id")]
    public partial Task<List<KeyNameRow>> BigOrdersWithCustomer();

    [Query("SELECT c.tenant_id, c.id, co.region FROM customers c JOIN countries co ON co.code = c.country_code WHERE co.region = @region ORDER BY c.tenant_id, c.id")]
    public partial Task<List<KeyRegionRow>> CustomersInRegion(string region);

    [Query("SELECT tenant_id, id, total FROM orders WHERE tenant_id = 3 OR tenant_id = 4 ORDER BY total, tenant_id, id")]
    public partial Task<List<KeyTotalRow>> OrNotPinned();

    // ---- aggregates over every shard

    [Query("SELECT count(*) FROM orders")]
    public partial Task<long> CountAll();

    [Query("SELECT count(*) AS n, sum(total) AS total, min(total) AS lo, max(total) AS hi, avg(total) AS mean FROM orders")]
    public partial Task<TotalsRow?> Totals();

    [Query("SELECT status, count(*) AS n, sum(quantity) AS qty, avg(quantity) AS mean_qty FROM orders GROUP BY status ORDER BY status")]
    public partial Task<List<StatusStatsRow>> StatusStats();

    [Query("SELECT status, count(*) AS n FROM orders GROUP BY status HAVING count(*) > @min ORDER BY n DESC, status")]
    public partial Task<List<StatusCountRow>> BusyStatuses(long min);

    [Query("SELECT quantity, sum(total) AS revenue FROM orders GROUP BY quantity ORDER BY revenue DESC LIMIT 3")]
    public partial Task<List<RevenueRow>> TopQuantities();

    [Query("SELECT tenant_id, count(*) AS n, avg(total) AS mean FROM orders GROUP BY tenant_id ORDER BY n DESC, tenant_id LIMIT 5")]
    public partial Task<List<TenantMeanRow>> BusiestTenants();

    [Query("SELECT count(DISTINCT tenant_id) AS tenants FROM orders WHERE status = 'paid'")]
    public partial Task<long> TenantsWithPaidOrders();

    [Query("SELECT count(*) AS n, sum(total) AS total, avg(total) AS mean, max(created_at) AS latest FROM orders WHERE quantity > 1000")]
    public partial Task<EmptyTotalsRow?> EmptyAggregate();

    [Query("SELECT status, count(*) AS n FROM orders WHERE quantity > 1000 GROUP BY status")]
    public partial Task<List<StatusCountRow>> EmptyGroups();

    [Query("SELECT status, avg(weight) AS w, sum(weight) AS total_weight FROM orders GROUP BY status ORDER BY status")]
    public partial Task<List<WeightRow>> Weights();

    [Query("SELECT min(name) AS first, max(name) AS last FROM customers")]
    public partial Task<FirstLastRow?> NameRange();

    [Query("SELECT co.region, count(*) AS n FROM customers c JOIN countries co ON co.code = c.country_code GROUP BY co.region ORDER BY co.region")]
    public partial Task<List<RegionCountRow>> CustomersPerRegion();

    [Query("SELECT note, count(*) AS n FROM orders GROUP BY note ORDER BY note NULLS FIRST")]
    public partial Task<List<NoteCountRow>> OrdersPerNote();

    [Query("SELECT tenant_id, sum(total) AS total FROM orders GROUP BY tenant_id HAVING sum(total) > 20000 ORDER BY tenant_id")]
    public partial Task<List<TenantTotalRow>> BigTenants();

    [Query("SELECT l.sku, count(*) AS lines, sum(l.qty) AS units, min(l.price) AS cheapest FROM order_lines l JOIN orders o ON o.tenant_id = l.tenant_id AND o.id = l.order_id WHERE o.status <> 'cancelled' GROUP BY l.sku HAVING sum(l.qty) >= 10 OR min(l.price) < 2 ORDER BY units DESC, l.sku LIMIT 12")]
    public partial Task<List<LineStatsRow>> SkuStats();

    [Query("SELECT status, count(DISTINCT customer_id) AS customers, count(*) AS n, avg(quantity) AS mean FROM orders GROUP BY status ORDER BY status")]
    public partial Task<List<StatusDistinctRow>> DistinctCustomersPerStatus();

    [Query("SELECT count(DISTINCT note) FROM orders")]
    public partial Task<long> DistinctNotes();

    [Query("SELECT quantity, count(DISTINCT status) AS statuses FROM orders WHERE tenant_id = ANY(@ids) GROUP BY quantity HAVING count(DISTINCT status) >= 4 ORDER BY quantity")]
    public partial Task<List<QuantityStatusesRow>> QuantitiesWithEveryStatus(long[] ids);

    // ---- text order under the servers' collation, and merged values at PostgreSQL's type and scale

    [Query("SELECT tenant_id, id, name FROM customers ORDER BY name LIMIT 50")]
    public partial Task<List<KeyNameRow>> FirstFiftyByName();

    [Query("SELECT o.tenant_id, o.id, c.name FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id ORDER BY c.name DESC, o.tenant_id, o.id")]
    public partial IAsyncEnumerable<KeyNameRow> EveryOrderByCustomerName(CancellationToken cancellationToken = default);

    [Query("SELECT DISTINCT name FROM customers ORDER BY name")]
    public partial Task<List<PlainNameRow>> DistinctNames();

    [Query("SELECT name, count(*) AS n FROM customers GROUP BY name ORDER BY name DESC LIMIT 40")]
    public partial Task<List<NameCountRow>> NamesDescending();

    [Query("SELECT tier, min(name) AS first, max(name) AS last, count(*) AS n FROM customers GROUP BY tier ORDER BY tier")]
    public partial Task<List<TierNamesRow>> NamesPerTier();

    [Query("SELECT status, min(note) AS first_note, count(*) AS n FROM orders GROUP BY status HAVING min(note) < @before ORDER BY status")]
    public partial Task<List<StatusFirstNoteRow>> StatusesWithNotesBefore(string before);

    [Query("SELECT total, count(*) AS n, avg(total) AS mean, min(note) AS first_note, max(note) AS last_note FROM orders GROUP BY total HAVING count(*) > 1 ORDER BY total")]
    public partial Task<List<RepeatedTotalRow>> RepeatedTotals();

    [Query("SELECT quantity, avg(total) AS mean, avg(total - total) AS zero, avg(quantity) AS mean_quantity, sum(quantity) AS units, avg(weight) AS w FROM orders GROUP BY quantity ORDER BY quantity")]
    public partial Task<List<QuantityMeanRow>> QuantityMeans();

    // ---- subqueries and common table expressions

    [Query("WITH paid AS (SELECT id, total FROM orders WHERE tenant_id = @tenantId AND status = 'paid') SELECT id, total FROM paid WHERE total > 100 ORDER BY id")]
    public partial Task<List<IdTotalRow>> PaidOfTenant(long tenantId);

    [Query("SELECT c.id, c.name FROM customers c WHERE c.tenant_id = @tenantId AND EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = @tenantId AND o.customer_id = c.id AND o.total > 500) ORDER BY c.id")]
    public partial Task<List<NameRow>> CustomersWithBigOrders(long tenantId);

    [Query("SELECT code, name FROM countries WHERE code IN (SELECT country_code FROM customers WHERE tenant_id = @tenantId) ORDER BY code")]
    public partial Task<List<CountryRow>> CountriesOfTenant(long tenantId);

    [Query("SELECT tenant_id, id FROM customers WHERE tenant_id IN (SELECT tenant_id FROM orders WHERE total > 990) ORDER BY tenant_id, id")]
    public partial Task<List<KeyRow>> CustomersOfTenantsWithHugeOrders();

    [Query("SELECT tenant_id, id FROM customers WHERE tenant_id = ANY (SELECT tenant_id FROM orders WHERE total > 990) AND tenant_id <> ALL (SELECT tenant_id FROM orders WHERE total < 2) ORDER BY tenant_id, id")]
    public partial Task<List<KeyRow>> CustomersOfTenantsWithAnyHugeOrder();

    [Query("""
        SELECT id, total FROM orders
         WHERE tenant_id = @tenantId
           AND (customer_id = ANY (SELECT id FROM customers WHERE tenant_id = @tenantId AND tier >= 2)
                AND total >= ALL (SELECT o.total / 2 FROM orders o WHERE o.tenant_id = @tenantId AND o.status = 'open')
                AND status LIKE SOME (SELECT '%' || lower(right(name, 1)) || '%' FROM countries)
                OR total < ANY (SELECT min(total) + 1 FROM orders WHERE tenant_id = @tenantId))
         ORDER BY id
        """)]
    public partial Task<List<IdTotalRow>> OrdersAboveAllOpenOfTenant(long tenantId);

    [Query("SELECT c.tenant_id, c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = c.tenant_id AND o.customer_id = c.id) ORDER BY 1, 2")]
    public partial Task<List<KeyRow>> CustomersWithoutOrders();

    [Query("SELECT c.tenant_id, c.id, (SELECT count(*) FROM orders o WHERE o.tenant_id = c.tenant_id AND o.customer_id = c.id) AS n FROM customers c ORDER BY n DESC, c.tenant_id, c.id LIMIT 20")]
    public partial Task<List<KeyCountRow>> CustomersByOrderCount();

    [Query("SELECT status, count(*) AS n FROM orders o WHERE o.total > (SELECT avg(x.total) FROM orders x WHERE x.tenant_id = o.tenant_id) GROUP BY status ORDER BY status")]
    public partial Task<List<StatusCountRow>> AboveTenantAverage();

    // ---- subqueries in FROM and CTEs partitioned by the distribution key, over every shard

    [Query("SELECT x.tenant_id, x.n FROM (SELECT tenant_id, count(*) AS n FROM orders GROUP BY tenant_id) AS x ORDER BY x.n DESC, x.tenant_id LIMIT 5")]
    public partial Task<List<TenantCountRow>> BusiestTenantsFromSubquery();

    [Query("SELECT c.tenant_id, c.id, x.n FROM customers c JOIN (SELECT tenant_id, customer_id, count(*) AS n FROM orders GROUP BY tenant_id, customer_id) x ON x.tenant_id = c.tenant_id AND x.customer_id = c.id WHERE x.n > 12 ORDER BY x.n DESC, c.tenant_id, c.id LIMIT 20")]
    public partial Task<List<KeyCountRow>> LoyalCustomers();

    [Query("WITH per_tenant AS (SELECT tenant_id, sum(total) AS total FROM orders GROUP BY tenant_id) SELECT count(*) FROM per_tenant WHERE total > 20000")]
    public partial Task<long> TenantsAboveTwentyThousand();

    [Query("SELECT x.status, x.n FROM (SELECT status, count(*) AS n FROM orders WHERE tenant_id = @tenantId GROUP BY status) x WHERE x.n > 10 ORDER BY x.status")]
    public partial Task<List<StatusCountRow>> StatusesOfTenantFromSubquery(long tenantId);

    // ---- FILTER

    [Query("SELECT count(*) FILTER (WHERE status = 'paid') AS n, sum(total) FILTER (WHERE quantity > 3) AS total FROM orders WHERE tenant_id = @tenantId")]
    public partial Task<PaidRow?> PaidOfOneTenant(long tenantId);

    [Query("SELECT quantity, count(*) FILTER (WHERE status = 'paid') AS paid, avg(total) FILTER (WHERE status = 'paid') AS mean, max(total) FILTER (WHERE note IS NULL) AS top FROM orders GROUP BY quantity ORDER BY quantity")]
    public partial Task<List<QuantityPaidRow>> PaidPerQuantity();

    // ---- DISTINCT ON

    [Query("SELECT DISTINCT ON (customer_id) customer_id, id, total FROM orders WHERE tenant_id = @tenantId ORDER BY customer_id, total DESC, id")]
    public partial Task<List<CustomerOrderRow>> BiggestOrderPerCustomer(long tenantId);

    [Query("SELECT DISTINCT ON (tenant_id) tenant_id, id, total FROM orders ORDER BY tenant_id, total DESC, id")]
    public partial Task<List<KeyTotalRow>> BiggestOrderPerTenant();

    [Query("SELECT DISTINCT ON (tenant_id, status) tenant_id, id FROM orders WHERE quantity = 2 ORDER BY tenant_id, status, created_at DESC, id LIMIT 30")]
    public partial Task<List<KeyRow>> LatestPerTenantAndStatus();

    // ---- set operations (one key, or reference tables only)

    [Query("SELECT id FROM orders WHERE tenant_id = @tenantId AND total > 900 UNION SELECT id FROM customers WHERE tenant_id = @tenantId ORDER BY id LIMIT 20")]
    public partial Task<List<IdRow>> BigOrdersAndCustomersOfTenant(long tenantId);

    [Query("SELECT id FROM customers WHERE tenant_id = @tenantId EXCEPT SELECT customer_id FROM orders WHERE tenant_id = @tenantId AND status = 'paid' ORDER BY 1")]
    public partial Task<List<IdRow>> CustomersWithoutPaidOrders(long tenantId);

    [Query("SELECT tenant_id, id FROM orders WHERE total > 980 UNION ALL SELECT tenant_id, id FROM customers WHERE tier = 3 ORDER BY tenant_id DESC, id LIMIT 25 OFFSET 3")]
    public partial Task<List<KeyRow>> BigOrdersAndTopCustomers();

    [Query("SELECT tenant_id, id, total FROM orders WHERE tenant_id = @a AND quantity = 6 UNION ALL SELECT o.tenant_id, o.id, o.total FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id IN (@b, 20) AND c.tier = 3 AND o.total > 900 ORDER BY tenant_id, id LIMIT 40")]
    public partial Task<List<KeyTotalRow>> OrdersOfPinnedBranches(long a, long b);

    [Query("SELECT DISTINCT status FROM orders WHERE tenant_id = @a UNION ALL SELECT status FROM orders WHERE tenant_id = 20 - @a AND quantity = 2 GROUP BY status HAVING count(*) > 2 UNION ALL SELECT min(status) OVER (ORDER BY id) FROM orders WHERE tenant_id = 3 AND quantity = 1")]
    public partial Task<List<StatusRow>> StatusesOfPinnedBranches(long a);

    [Query("SELECT tenant_id, id FROM orders WHERE quantity = 6 AND total < 20 UNION ALL SELECT c.tenant_id, c.id FROM customers c JOIN orders o ON o.tenant_id = c.tenant_id AND o.customer_id = c.id WHERE o.total > 995")]
    public partial Task<List<KeyRow>> UnionAllUnordered();

    [Query("SELECT code, name FROM countries WHERE region = 'EU' UNION ALL SELECT code, name FROM countries WHERE region = 'APAC' ORDER BY code")]
    public partial Task<List<CountryRow>> EuropeThenAsia();

    // ---- set operations inside subqueries and CTEs, WITH RECURSIVE

    [Query("WITH RECURSIVE chain(id, total, depth) AS (SELECT id, total, 1 FROM orders WHERE tenant_id = @tenantId AND customer_id = @customerId UNION ALL SELECT o.id, o.total, c.depth + 1 FROM chain c JOIN orders o ON o.id = c.id + 1 WHERE o.tenant_id = @tenantId AND c.depth < 4) SELECT id, total FROM chain ORDER BY id, total")]
    public partial Task<List<IdTotalRow>> NextOrdersOfCustomer(long tenantId, long customerId);

    [Query("SELECT c.id, c.name FROM customers c WHERE c.tenant_id = @tenantId AND c.id IN (SELECT customer_id FROM orders WHERE tenant_id = @tenantId AND total > 900 UNION SELECT customer_id FROM orders WHERE tenant_id = @tenantId AND quantity = 6) ORDER BY c.id")]
    public partial Task<List<NameRow>> CustomersWithBigOrSixOrders(long tenantId);

    [Query("SELECT u.id FROM (SELECT customer_id AS id FROM orders WHERE tenant_id = @tenantId AND status = 'paid' EXCEPT SELECT customer_id FROM orders WHERE tenant_id = @tenantId AND status = 'cancelled') AS u ORDER BY 1")]
    public partial Task<List<IdRow>> PayingNeverCancelled(long tenantId);

    [Query("SELECT u.tenant_id, count(*) AS n FROM (SELECT tenant_id, id FROM orders WHERE total > 900 UNION ALL SELECT tenant_id, id FROM customers WHERE tier = 3) u GROUP BY u.tenant_id ORDER BY u.tenant_id")]
    public partial Task<List<TenantCountRow>> BigOrdersAndTopCustomersPerTenant();

    [Query("SELECT c.tenant_id, c.id, c.name FROM customers c JOIN (SELECT tenant_id, customer_id AS id FROM orders WHERE total > 950 UNION SELECT tenant_id, id FROM customers WHERE tier = 3) u ON u.tenant_id = c.tenant_id AND u.id = c.id ORDER BY c.tenant_id, c.id")]
    public partial Task<List<KeyNameRow>> BigBuyersOrTopCustomers();

    [Query("WITH u AS (SELECT tenant_id, id, total FROM orders WHERE quantity = 6 UNION ALL SELECT tenant_id, order_id, price FROM order_lines WHERE line_no = 1) SELECT tenant_id, id, total FROM u WHERE total > 500 ORDER BY tenant_id, id, total LIMIT 30")]
    public partial Task<List<KeyTotalRow>> SixesAndFirstLines();

    [Query("WITH u AS (SELECT tenant_id, id, total FROM orders WHERE quantity = 6 UNION ALL SELECT tenant_id, order_id, price FROM order_lines WHERE line_no = 1) SELECT tenant_id, id, total FROM u WHERE tenant_id = @tenantId ORDER BY id, total")]
    public partial Task<List<KeyTotalRow>> SixesAndFirstLinesOfTenant(long tenantId);

    // ---- window functions

    [Query("SELECT id, total, rank() OVER (PARTITION BY status ORDER BY total DESC, id) AS r FROM orders WHERE tenant_id = @tenantId ORDER BY id")]
    public partial Task<List<RankedOrderRow>> RankedOrdersOfTenant(long tenantId);

    [Query("SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY total DESC, id) AS n FROM orders WHERE quantity = 6 ORDER BY n, tenant_id, id LIMIT 40")]
    public partial Task<List<KeyCountRow>> BiggestSixPacksPerTenant();

    [Query("SELECT tenant_id, id, count(*) OVER (PARTITION BY tenant_id, status) AS n FROM orders WHERE quantity = 1 AND total > 800")]
    public partial Task<List<KeyCountRow>> StatusShareWithinTenant();

    [Query("SELECT tenant_id, id, rank() OVER (ORDER BY total DESC, tenant_id, id) AS n FROM orders WHERE quantity = 6 ORDER BY n LIMIT 25")]
    public partial Task<List<KeyCountRow>> RankedAcrossTenants();

    [Query("SELECT tenant_id, id, row_number() OVER (PARTITION BY customer_id ORDER BY total DESC, tenant_id, id) AS n FROM orders WHERE tenant_id IN (3, 4) AND quantity > 4 ORDER BY tenant_id, id")]
    public partial Task<List<KeyCountRow>> NumberedPerCustomerOfTwoTenants();

    [Query("SELECT o.status, count(*) AS n, rank() OVER (ORDER BY count(*) DESC, o.status) AS r FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE c.tier = 2 GROUP BY o.status ORDER BY r")]
    public partial Task<List<StatusCountRankRow>> StatusesRankedOverTenants();

    // ---- named windows (WINDOW w AS (...), OVER w, OVER (w ...)): planned as the same windows written inline

    [Query("SELECT tenant_id, id, rank() OVER w AS n, count(*) OVER w AS c FROM orders WHERE quantity = 6 WINDOW w AS (ORDER BY total DESC, tenant_id, id) ORDER BY n LIMIT 25")]
    public partial Task<List<KeyRankCountRow>> NamedWindowAcrossTenants();

    [Query("SELECT tenant_id, id, row_number() OVER w2 AS n, count(*) OVER w1 AS c FROM orders WHERE tenant_id IN (3, 4) AND quantity > 4 WINDOW w1 AS (PARTITION BY customer_id), w2 AS (w1 ORDER BY total DESC, tenant_id, id) ORDER BY tenant_id, id")]
    public partial Task<List<KeyRankCountRow>> ChainedWindowsPerCustomerOfTwoTenants();

    [Query("SELECT tenant_id, id, sum(quantity) OVER (w ORDER BY total, tenant_id, id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS n, count(*) OVER w AS c FROM orders WHERE quantity = 6 AND total > 500 WINDOW w AS (PARTITION BY status) ORDER BY tenant_id, id")]
    public partial Task<List<KeyRankCountRow>> RefinedWindowPerStatus();

    [Query("SELECT tenant_id, id, row_number() OVER w AS n, count(*) OVER w AS c FROM orders WHERE quantity = 6 WINDOW w AS (PARTITION BY tenant_id ORDER BY total DESC, id) ORDER BY n, tenant_id, id LIMIT 40")]
    public partial Task<List<KeyRankCountRow>> NamedWindowPerTenant();

    [Query("SELECT tenant_id, id, row_number() OVER (w ORDER BY total DESC, id) AS n, count(*) OVER w AS c FROM orders WHERE quantity > 4 WINDOW w AS (PARTITION BY tenant_id, status) ORDER BY tenant_id, id")]
    public partial Task<List<KeyRankCountRow>> RefinedWindowPerTenantAndStatus();

    [Query("""
        SELECT o.tenant_id, o.id, rank() OVER w AS n, count(*) OVER w AS c
          FROM orders o
         WHERE o.quantity = 6 AND EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id AND c.tier = 2)
        WINDOW w AS (PARTITION BY o.tenant_id ORDER BY o.total DESC, o.id)
         ORDER BY o.tenant_id, o.id
        """)]
    public partial Task<List<KeyRankCountRow>> NamedWindowPerTenantWithSubquery();

    [Query("SELECT tenant_id, id, n, c FROM (SELECT tenant_id, id, row_number() OVER w AS n, count(*) OVER (w) AS c FROM orders WHERE quantity > 4 WINDOW w AS (PARTITION BY tenant_id ORDER BY total DESC, id)) r WHERE n <= 2 ORDER BY tenant_id, id")]
    public partial Task<List<KeyRankCountRow>> NamedWindowInSubqueryPerTenant();

    // ---- TABLE t over several shards: each shard runs SELECT * FROM t

    [Query("TABLE customers")]
    public partial Task<List<WholeCustomerRow>> EveryCustomer();

    [Query("TABLE order_lines ORDER BY price * qty DESC, tenant_id, order_id, line_no LIMIT 20 OFFSET 3")]
    public partial Task<List<WholeLineRow>> BiggestLinesPastThree();

    [Query("TABLE order_lines UNION ALL SELECT tenant_id, order_id, line_no, upper(sku), qty, price FROM order_lines WHERE qty > 3 ORDER BY 6 DESC, 1, 2, 3, 4 LIMIT 30")]
    public partial Task<List<WholeLineRow>> LinesAndBigLinesAgain();

    // ---- distributed rows brought to the coordinator (a local table, or a reference table an outer join preserves)

    [Query("SELECT co.code, co.name, count(c.id) AS n FROM countries co LEFT JOIN customers c ON c.country_code = co.code GROUP BY co.code, co.name ORDER BY co.code")]
    public partial Task<List<CountryCountRow>> CustomersPerCountryWithEmpty();

    [Query("SELECT co.code, co.name, count(c.id) AS n FROM countries co LEFT JOIN customers c ON c.country_code = co.code AND c.tenant_id = @tenantId GROUP BY co.code, co.name ORDER BY co.code")]
    public partial Task<List<CountryCountRow>> CountriesOfOneTenantWithEmpty(long tenantId);

    [Query("SELECT s.key, count(o.id) AS n, sum(o.total) AS total FROM settings s JOIN orders o ON o.status = CASE s.key WHEN 'theme' THEN 'paid' ELSE 'open' END WHERE o.total > 900 GROUP BY s.key ORDER BY s.key")]
    public partial Task<List<KeyCountTotalRow>> BigOrdersPerSetting();

    [Query("SELECT s.key, o.id, o.total, o.weight, o.note, o.created_at FROM orders o JOIN settings s ON s.key = 'theme' WHERE o.tenant_id = @tenantId AND o.quantity = 6 ORDER BY o.id")]
    public partial Task<List<SettingOrderRow>> OrdersOfTenantWithSetting(long tenantId);

    // ---- reference and local

    [Query("SELECT code, name FROM countries WHERE region = @region ORDER BY code")]
    public partial Task<List<CountryRow>> CountriesIn(string region);

    [Query("SELECT key, value FROM settings ORDER BY key")]
    public partial Task<List<SettingRow>> Settings();

    // ---- key conditions written as expressions: routed to the key's shard (folded at build time, or computed before the call)

    [Query("SELECT id, total FROM orders WHERE tenant_id = 3 + 4 AND quantity = 6 ORDER BY id")]
    public partial Task<List<IdTotalRow>> FoldedKey();

    [Query("SELECT id, total FROM orders WHERE '12'::bigint = tenant_id AND quantity = 6 ORDER BY id")]
    public partial Task<List<IdTotalRow>> CastKey();

    [Query("SELECT id, total FROM orders WHERE tenant_id = @tenantId + 1 AND quantity = 6 ORDER BY id")]
    public partial Task<List<IdTotalRow>> ComputedKey(long tenantId);

    [Query("SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = CAST(@tenantId AS bigint) * 2 - 1 AND o.quantity = 6 ORDER BY o.id")]
    public partial Task<List<RecentOrderRow>> ComputedKeyJoined(long tenantId);

    // ---- key = ANY(ARRAY[...]): the listed keys' shards

    [Query("SELECT tenant_id, count(*) AS n FROM orders WHERE tenant_id = ANY(ARRAY[1, 7, 13 + 6, @extra]) GROUP BY tenant_id ORDER BY tenant_id")]
    public partial Task<List<TenantCountRow>> CountPerTenantOfArray(long extra);

    [Query("SELECT status, count(*) AS n FROM orders WHERE tenant_id = ANY(ARRAY[@a, @b]) OR tenant_id = 404 GROUP BY status ORDER BY status")]
    public partial Task<List<StatusCountRow>> StatusOfArray(long a, long b);

    // ---- pinned to one key: what PostgreSQL runs, ShardGen runs as written

    [Query("""
        SELECT id, ('{"status": "' || status || '", "q": ' || quantity || '}')::jsonb ->> 'status' AS status
          FROM orders
         WHERE tenant_id = @tenantId
           AND ('{"q": ' || quantity || ', "tags": ["' || coalesce(note, 'none') || '"]}')::jsonb @> @filter::jsonb
           AND ('{"q": 1}')::jsonb ? 'q' AND NOT ('{"a": {"b": 1}}')::jsonb #>> '{a,b}' <> '1'
         ORDER BY id
        """)]
    public partial Task<List<IdStatusRow>> JsonOfTenant(long tenantId, string filter);

    [Query("""
        SELECT id, (ARRAY[quantity, quantity * 2])[2] AS doubled
          FROM orders
         WHERE tenant_id = @tenantId AND ARRAY[status, coalesce(note, '-')] && @tags AND quantity <> ALL (ARRAY[1, 2])
         ORDER BY id
        """)]
    public partial Task<List<IdDoubledRow>> ArraysOfTenant(long tenantId, string[] tags);

    [Query("SELECT id, name FROM customers WHERE tenant_id = @tenantId AND to_tsvector('simple', name) @@ plainto_tsquery('simple', @words) ORDER BY id")]
    public partial Task<List<NameRow>> CustomersMatching(long tenantId, string words);

    [Query("SELECT id, name FROM customers WHERE tenant_id = @tenantId AND name ~* @pattern AND name !~ '[0-9]{2}' ORDER BY id")]
    public partial Task<List<NameRow>> CustomersByRegex(long tenantId, string pattern);

    [Query("SELECT id, total FROM orders WHERE tenant_id = @tenantId AND (created_at, id) < (@beforeAt, @beforeId) ORDER BY created_at DESC, id DESC LIMIT 10")]
    public partial Task<List<IdTotalRow>> OrdersPageBefore(long tenantId, DateTimeOffset beforeAt, long beforeId);

    [Query("SELECT o.id, g.step FROM orders o CROSS JOIN LATERAL generate_series(1, o.quantity) AS g(step) WHERE o.tenant_id = @tenantId AND o.id <= 20 ORDER BY o.id, g.step")]
    public partial Task<List<OrderStepRow>> StepsOfOrders(long tenantId);

    [Query("SELECT o.id, u.word FROM orders o, LATERAL unnest(string_to_array(o.note, 'i')) AS u(word) WHERE o.tenant_id = @tenantId ORDER BY o.id, u.word")]
    public partial Task<List<IdWordRow>> NotePieces(long tenantId);

    [Query("""
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY weight) AS median, mode() WITHIN GROUP (ORDER BY status) AS common,
               min(total ORDER BY total) AS lowest
          FROM orders WHERE tenant_id = @tenantId
        """)]
    public partial Task<MedianRow?> MedianOfTenant(long tenantId);

    [Query("""
        SELECT status, quantity, count(*) AS n, grouping(status, quantity) AS level
          FROM orders WHERE tenant_id = @tenantId
         GROUP BY GROUPING SETS ((status), (quantity), ())
         ORDER BY level, status, quantity
        """)]
    public partial Task<List<GroupingRow>> GroupingSetsOfTenant(long tenantId);

    [Query("SELECT status, quantity, count(*) AS n, grouping(status, quantity) AS level FROM orders WHERE tenant_id = @tenantId GROUP BY ROLLUP (status, quantity) ORDER BY level, status, quantity")]
    public partial Task<List<GroupingRow>> RollupOfTenant(long tenantId);

    [Query("""
        SELECT id, xmlelement(name customer, xmlattributes(id AS "ref", tier), xmlforest(name, country_code AS country))::text AS xml,
               xmlserialize(content xmlconcat(xmlpi(name note, 'n'), xmlparse(content '<a>' || tier || '</a>')) AS text) AS extra,
               xmlexists('/c[@tier > 1]' PASSING BY REF xmlelement(name c, xmlattributes(tier))) AND xmlroot(xmlparse(document '<r/>'), version '1.0', standalone yes) IS DOCUMENT AS senior
          FROM customers WHERE tenant_id = @tenantId ORDER BY id
        """)]
    public partial Task<List<CustomerXmlRow>> CustomersAsXml(long tenantId);

    [Query("""
        SELECT c.id, x.ord, x.tag, x.weight
          FROM customers c,
               XMLTABLE('/tags/t' PASSING ('<tags><t w="2">a</t><t>b</t><t w="4">c</t></tags>'::xml)
                        COLUMNS ord FOR ORDINALITY, tag text PATH '.', weight int PATH '@w' DEFAULT 1 NOT NULL) AS x
         WHERE c.tenant_id = @tenantId AND x.weight <= c.tier
         ORDER BY c.id, x.ord
        """)]
    public partial Task<List<XmlTagRow>> TagsOfCustomers(long tenantId);

    [Query("""
        SELECT count(*) AS n, (SELECT count(*) FROM customers TABLESAMPLE SYSTEM (0) WHERE tenant_id = @tenantId) AS none
          FROM orders TABLESAMPLE BERNOULLI (100) REPEATABLE (3)
         WHERE tenant_id = @tenantId
        """)]
    public partial Task<SampleRow?> SampleOfTenant(long tenantId);

    [Query("TABLE countries ORDER BY 1")]
    public partial Task<List<CountryRegionRow>> EveryCountry();

    [Query("SELECT code, name, region FROM countries WHERE region = @region UNION ALL (TABLE countries) ORDER BY 1, 3")]
    public partial Task<List<CountryRegionRow>> CountriesOfRegionAndEvery(string region);
}

/// <summary>The write [Query] methods of the differential test.</summary>
public sealed partial class ShopWrites
{
    private readonly ShardDatabase _db;

    public ShopWrites(ShardDatabase db) => _db = db;

    [Query("UPDATE orders SET note = @note WHERE tenant_id = @tenantId AND id = @id")]
    public partial Task<int> SetNote(long tenantId, long id, string? note);

    [Query("SELECT id, status, note FROM orders WHERE tenant_id = @tenantId AND id = ANY(@ids) ORDER BY id FOR UPDATE")]
    public partial Task<List<LockedOrderRow>> LockOrders(long tenantId, long[] ids);

    [Query("UPDATE orders o SET note = c.name FROM customers c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id AND o.tenant_id = @tenantId AND o.quantity = 6")]
    public partial Task<int> NoteCustomerNames(long tenantId);

    [Query("DELETE FROM order_lines l USING orders o WHERE o.tenant_id = l.tenant_id AND o.id = l.order_id AND l.tenant_id = @tenantId AND o.status = 'cancelled' AND l.line_no = 2")]
    public partial Task<int> DeleteSecondLinesOfCancelled(long tenantId);

    [Query("UPDATE orders SET (note, quantity) = ('bulk', quantity + 1) WHERE tenant_id = @tenantId AND quantity = 5")]
    public partial Task<int> BulkFives(long tenantId);

    [Query("WITH big AS (SELECT id FROM orders WHERE tenant_id = @tenantId AND total > 900) UPDATE orders SET note = 'big' WHERE tenant_id = @tenantId AND id IN (SELECT id FROM big)")]
    public partial Task<int> MarkBigWithCte(long tenantId);

    [Query("WITH gone AS (DELETE FROM order_lines WHERE tenant_id = @tenantId AND line_no = 3 RETURNING order_id) SELECT order_id AS id FROM gone ORDER BY 1")]
    public partial Task<List<IdRow>> DeleteThirdLinesReturningOrders(long tenantId);

    [Query("WITH marked AS (UPDATE orders SET note = 'marked in a CTE' WHERE tenant_id = @tenantId AND quantity = 6 RETURNING id, total) SELECT m.id, m.total FROM marked m JOIN orders o ON o.tenant_id = @tenantId AND o.id = m.id ORDER BY m.id")]
    public partial Task<List<IdTotalRow>> MarkSixesReturningTotals(long tenantId);

    [Query("WITH added AS (INSERT INTO orders (tenant_id, id, customer_id, status, total, weight, quantity, created_at) VALUES (@tenantId, @id, 1, 'open', 12.50, 1, 2, @at), (@tenantId, @id + 1, 2, 'open', 7.25, 1, 3, @at) RETURNING id, total) SELECT a.id, a.total + (SELECT count(*) FROM orders o WHERE o.tenant_id = @tenantId) AS total FROM added a ORDER BY a.id")]
    public partial Task<List<IdTotalRow>> AddTwoOrdersReturningTotals(long tenantId, long id, DateTimeOffset at);

    [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, weight, quantity, created_at, note) VALUES (@tenantId, @id, 1, 'open', 0, 0, 1, @at, DEFAULT) ON CONFLICT (tenant_id, id) WHERE quantity > 0 DO NOTHING")]
    public partial Task<int> InsertWithDefaultNote(long tenantId, long id, DateTimeOffset at);

    [Query("UPDATE orders SET status = 'archived', note = NULL WHERE quantity = @quantity AND total < @below")]
    public partial Task<int> ArchiveQuantity(int quantity, decimal below);

    [Query("DELETE FROM order_lines WHERE tenant_id = ANY(@ids) AND qty > 3")]
    public partial Task<int> DeleteBigLines(long[] ids);

    [Query("INSERT INTO customers (tenant_id, id, name, country_code, tier, joined_at) VALUES (@tenantId, @id, @name, @country, 1, @joinedAt) ON CONFLICT (tenant_id, id) DO UPDATE SET name = EXCLUDED.name RETURNING id, name, country_code, tier")]
    public partial Task<CustomerRow?> UpsertCustomer(long tenantId, long id, string name, string? country, DateTimeOffset joinedAt);

    [Query("INSERT INTO customers (tenant_id, id, name, country_code, tier, joined_at) VALUES (@a, 900, 'First', 'DE', 1, @joinedAt), (@b, 901, 'Second', NULL, 2, @joinedAt), (@a, 902, 'Third', 'FR', 3, @joinedAt)")]
    public partial Task<int> InsertForTwoTenants(long a, long b, DateTimeOffset joinedAt);

    [Query("INSERT INTO customers (tenant_id, id, name, country_code, tier, joined_at) VALUES (@a, 910, 'Fourth', 'DE', 1, @joinedAt), (@a, 911, 'Fifth', NULL, 2, @joinedAt), (@b, 901, 'Second again', 'FR', 3, @joinedAt) ON CONFLICT (tenant_id, id) DO UPDATE SET name = EXCLUDED.name RETURNING id, name, country_code, tier")]
    public partial Task<List<CustomerRow>> UpsertForTwoTenants(long a, long b, DateTimeOffset joinedAt);

    [Query("INSERT INTO order_lines (tenant_id, order_id, line_no, sku, qty, price) SELECT tenant_id, id, 99, 'SKU-BONUS', quantity, round(total / 100, 2) FROM orders WHERE total > 990 ON CONFLICT (tenant_id, order_id, line_no) DO NOTHING")]
    public partial Task<int> BonusLinesForBigOrders();

    [Query("INSERT INTO order_lines (tenant_id, order_id, line_no, sku, qty, price) SELECT tenant_id, id, 98, 'SKU-GIFT', 1, 0 FROM orders WHERE tenant_id = @tenantId AND quantity = 6")]
    public partial Task<int> GiftLinesOfTenant(long tenantId);

    [Query("INSERT INTO customers (tenant_id, id, name, country_code, tier, joined_at) SELECT tenant_id, 10000 + count(*), 'orders summary', NULL, 3, min(created_at) FROM orders GROUP BY tenant_id ON CONFLICT (tenant_id, id) DO NOTHING")]
    public partial Task<int> SummaryCustomers();

    [Query("DELETE FROM order_lines WHERE tenant_id = @tenantId AND order_id IN (SELECT id FROM orders WHERE tenant_id = @tenantId AND status = 'cancelled')")]
    public partial Task<int> DeleteLinesOfCancelledOrders(long tenantId);

    [Query("UPDATE orders SET note = 'top tier' WHERE EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = orders.tenant_id AND c.id = orders.customer_id AND c.tier = 3) AND quantity = 5")]
    public partial Task<int> MarkTopTierOrders();

    [Query("UPDATE customers SET tier = (SELECT count(*) FROM orders o WHERE o.tenant_id = customers.tenant_id AND o.customer_id = customers.id) % 4 WHERE tenant_id = ANY(@ids)")]
    public partial Task<int> TierByOrderCount(long[] ids);

    [Query("INSERT INTO customers (tenant_id, id, name, country_code, tier, joined_at) VALUES (@a * 2, 930, 'Doubled', NULL, 1, @joinedAt), ('3'::bigint, 931, 'Cast', 'DE', 2, @joinedAt), (@a + @a, 932, 'Doubled again', 'FR', 3, @joinedAt)")]
    public partial Task<int> InsertComputedKeys(long a, DateTimeOffset joinedAt);

    [Query("DELETE FROM order_lines WHERE tenant_id = ANY(ARRAY[@a, @b, 20]) AND qty = 5 AND line_no = 1")]
    public partial Task<int> DeleteLinesOfArray(long a, long b);

    [Query("UPDATE orders SET tenant_id = @tenantId, note = 'same tenant' WHERE tenant_id = @tenantId AND quantity = 3")]
    public partial Task<int> NoteKeepingTheKey(long tenantId);

    [Query("UPDATE orders SET (note, tenant_id) = ('same tenant again', 2 * 7) WHERE tenant_id = 14 AND quantity = 2")]
    public partial Task<int> NoteKeepingALiteralKey();

    [Query("UPDATE orders o SET note = c.name FROM customers c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id AND o.quantity = 6 AND c.tier = 2")]
    public partial Task<int> NoteCustomerNamesEverywhere();

    [Query("DELETE FROM order_lines l USING orders o WHERE o.tenant_id = l.tenant_id AND o.id = l.order_id AND o.status = 'cancelled' AND l.line_no = 3")]
    public partial Task<int> DeleteThirdLinesOfCancelledEverywhere();

    [Query("UPDATE customers c SET name = c.name || ' (' || k.name || ')' FROM countries k, orders o WHERE k.code = c.country_code AND k.region = @region AND o.tenant_id = c.tenant_id AND o.customer_id = c.id AND o.total > 990 AND c.tenant_id = ANY(@ids)")]
    public partial Task<int> NameCountriesOfBigBuyers(string region, long[] ids);

    [Query("UPDATE orders SET note = 'computed key' WHERE tenant_id = @tenantId - 1 AND quantity = 4")]
    public partial Task<int> NoteOfComputedKey(long tenantId);

    [Query("DELETE FROM customers WHERE tenant_id = @tenantId AND tier = @tier")]
    public partial Task DeleteTier(long tenantId, int tier);

    [Query("UPDATE countries SET name = @name WHERE code = @code")]
    public partial Task<int> RenameCountry(string code, string name);

    [Query("INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")]
    public partial Task UpsertSetting(string key, string value);
}
