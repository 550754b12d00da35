using ShardGen;

namespace AnalyzerTour;

/// <summary>
/// The shop's queries. Each method's SQL is planned at build time; the first two are what ShardGen is for
/// (a tenant's data, on the tenant's shard). Every other method breaks one rule, named above it. A refused
/// method still compiles: its generated body throws the refusal.
/// </summary>
public sealed partial class ShopQueries(ShardedDataSource source)
{
    private readonly ShardedDataSource _source = source;

    // No diagnostic: pinned to one shop, so it runs whole on that shop's shard, joins included.
    [Query("""
        SELECT o.id, o.total
          FROM orders o
          JOIN order_lines l ON l.shop_id = o.shop_id AND l.order_id = o.id
         WHERE o.shop_id = @shopId AND o.status = 'open'
         ORDER BY o.placed_at DESC
         LIMIT 20
        """)]
    public partial Task<List<OrderSummary>> OpenOrders(long shopId, CancellationToken cancellationToken = default);

    // No diagnostic: a join with a reference table, on any column, pinned to one shop.
    [Query("SELECT s.name, c.name AS country FROM shops s JOIN countries c ON c.code = s.country_code WHERE s.shop_id = @shopId")]
    public partial Task<ShopWithCountry?> ShopCard(long shopId);

    // SG0100: a syntax error (a comma before FROM), underlined where the parser stopped.
    [Query("SELECT id, total, FROM orders WHERE shop_id = @shopId")]
    public partial Task<List<OrderSummary>> Typo(long shopId);

    // SG0101: row locking (FOR UPDATE) runs as written in a query pinned to one shop; this one runs on every shard.
    [Query("SELECT id, total FROM orders WHERE shop_id > @shopId FOR UPDATE")]
    public partial Task<List<OrderSummary>> RankedOrders(long shopId);

    // SG0102: there is no customers table in the model.
    [Query("SELECT id, total FROM customers WHERE shop_id = @shopId")]
    public partial Task<List<OrderSummary>> Customers(long shopId);

    // SG0103: orders has no column totl.
    [Query("SELECT id, totl AS total FROM orders WHERE shop_id = @shopId")]
    public partial Task<List<OrderSummary>> Misspelled(long shopId);

    // SG0104: @shop binds no parameter (the method's parameter is shopId).
    [Query("SELECT id, total FROM orders WHERE shop_id = @shop")]
    public partial Task<List<OrderSummary>> WrongParameter(long shopId);

    // SG0105: shop_id is a bigint; a string parameter does not compare with it.
    [Query("SELECT id, total FROM orders WHERE shop_id = @shopId")]
    public partial Task<List<OrderSummary>> StringKey(string shopId);

    // SG0106: visits are sharded by visitor in another colocation group: joining them with orders would
    // need rows from other shards (Citus: "the query contains a join that requires repartitioning").
    [Query("SELECT o.id, o.total FROM orders o JOIN visits v ON v.shop_id = o.shop_id WHERE o.shop_id = @shopId")]
    public partial Task<List<OrderSummary>> OrdersWithVisits(long shopId);

    // SG0107: products is joined on product_id only; without p.shop_id = l.shop_id the matching product
    // may live on another shard. Adding that equality is a new condition (it drops lines whose product belongs
    // to another shop), so there is no code fix: the message says to add it if every line's product is its shop's.
    [Query("SELECT l.order_id AS id, p.price AS total FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.shop_id = @shopId")]
    public partial Task<List<OrderSummary>> LinePrices(long shopId);

    // SG0108: countries is the preserved side of a LEFT JOIN with shops: every shard would return every
    // country that has no shop there. ShardGen would bring the shops to the coordinator (SG0122), but not
    // into a statement with a subquery. Put the distributed table first.
    [Query("SELECT s.name, c.name AS country FROM countries c LEFT JOIN shops s ON s.country_code = c.code WHERE c.code IN (SELECT code FROM countries WHERE name LIKE 'A%')")]
    public partial Task<List<ShopWithCountry>> CountriesAndShops();

    // SG0109: feature_flags lives only on the coordinator, shops only on the workers: a subquery over it
    // cannot run on the shards.
    [Query("SELECT s.name, c.name AS country FROM shops s JOIN countries c ON c.code = s.country_code WHERE s.shop_id IN (SELECT shop_id FROM feature_flags WHERE enabled)")]
    public partial Task<List<ShopWithCountry>> ShopsWithFlags();

    // SG0122 (informational): feature_flags is on the coordinator, so the shop's row is read from its shard
    // and brought there for the join (as Citus does); pinned to one shop, that is one row.
    [Query("SELECT s.name, f.name AS country FROM feature_flags f JOIN shops s ON s.shop_id = f.shop_id WHERE f.enabled AND s.shop_id = @shopId")]
    public partial Task<List<ShopWithCountry>> FlagsOfShop(long shopId);

    // SG0110: moving an order to another shop would move it to another shard
    // (Citus: "modifying the partition value of rows is not allowed").
    [Query("UPDATE orders SET shop_id = @newShopId WHERE shop_id = @shopId AND id = @orderId")]
    public partial Task<int> MoveOrder(long shopId, long orderId, long newShopId);

    // SG0111: sum(DISTINCT total) over all shards cannot be combined from per-shard sums.
    [Query("SELECT sum(DISTINCT total) FROM orders")]
    public partial Task<decimal?> DistinctTotals();

    // SG0112: an INSERT without the distribution key cannot be routed to a shard.
    [Query("INSERT INTO products (id, sku, title, price) VALUES (@id, @sku, @title, @price)")]
    public partial Task<int> AddProduct(long id, string sku, string title, decimal price);

    // SG0113: placed_at has no property in OrderSummary.
    [Query("SELECT id, total, placed_at FROM orders WHERE shop_id = @shopId")]
    public partial Task<List<OrderSummary>> WithDates(long shopId);

    // SG0114: a [Query] method returns a Task (or an IAsyncEnumerable), not a bare list.
    [Query("SELECT id, total FROM orders WHERE shop_id = @shopId")]
    public partial List<OrderSummary> Blocking(long shopId);

    // SG0115 (a warning, beyond Citus): gift_cards shares shards with orders only because both keys are
    // bigint. card_number = shop_id runs inside each shard, and Citus accepts it too, but it matches a shop
    // with the gift card whose number happens to equal the shop's id. The join meant g.shop_id.
    [Query("SELECT o.id, g.balance AS total FROM orders o JOIN gift_cards g ON g.card_number = o.shop_id WHERE o.shop_id = @shopId")]
    public partial Task<List<OrderSummary>> GiftCardsOfShop(long shopId);

    // SG0120: no condition on shop_id, so it runs on every shard (informational by default; raise it in
    // .editorconfig to keep fan-outs out of a code base).
    [Query("SELECT id, total FROM orders WHERE status = 'disputed'")]
    public partial Task<List<OrderSummary>> DisputedOrders();

    // SG0121: ORDER BY an aggregate with LIMIT over several shards: every group is combined before the
    // LIMIT applies (informational by default).
    [Query("SELECT status, sum(total) AS revenue FROM orders WHERE shop_id IN (@first, @second) GROUP BY status ORDER BY revenue DESC LIMIT 3")]
    public partial Task<List<StatusRevenue>> TopStatuses(long first, long second);

    // SG0900 is ShardGen's own failure ("please report it"): no code here triggers it.
}
