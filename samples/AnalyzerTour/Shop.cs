using ShardGen;

namespace AnalyzerTour;

// A small multi-tenant shop platform: every shop's data is distributed by ShopId and colocated (same
// key type, same default colocation group), so one shop's products, orders and order lines share a
// shard. This part of the model is correct: nothing below raises a diagnostic.

[Distributed(nameof(ShopId))]
public sealed record Shop(long ShopId, string Name, string CountryCode, DateTimeOffset CreatedAt);

[Distributed(nameof(ShopId))]
public sealed record Product(long ShopId, long Id, string Sku, string Title, decimal Price);

[Distributed(nameof(ShopId))]
public sealed record Order(long ShopId, long Id, long CustomerId, string Status, decimal Total, DateTimeOffset PlacedAt);

[Distributed(nameof(ShopId))]
public sealed record OrderLine(
    [property: PrimaryKey] long ShopId,
    [property: PrimaryKey(Order = 1)] long OrderId,
    [property: PrimaryKey(Order = 2)] int LineNumber,
    long ProductId,
    int Quantity);

// Gift cards, sharded by their own number: a bigint key like shop_id, so they land in the same default
// colocation group as the shop's tables, although a card number is no shop id (see SG0115 in ShopQueries.cs).
[Distributed(nameof(CardNumber))]
public sealed record GiftCard(long CardNumber, long ShopId, decimal Balance);

// Storefront analytics, sharded by visitor in a colocation group of their own: not colocated with shops.
[Distributed(nameof(VisitorId), Colocation = "analytics")]
public sealed record Visit(long VisitorId, long Id, long ShopId, string Path, DateTimeOffset At);

// Small and read everywhere: a copy on every node.
[Reference]
public sealed record Country([property: PrimaryKey] string Code, string Name);

// Only the platform itself reads it: it stays on the coordinator.
[Local]
public sealed record FeatureFlag([property: PrimaryKey] string Name, bool Enabled, long? ShopId);

// Result rows of the queries in ShopQueries.cs.
public sealed record OrderSummary(long Id, decimal Total);

public sealed record ShopWithCountry(string Name, string Country);

public sealed record StatusRevenue(string Status, decimal Revenue);
