using ShardGen;

namespace AnalyzerTour;

// One mistake per rule of indexes, constraints, foreign keys, defaults and type modifiers (SG0013-SG0023). ShardGen leaves the
// index, constraint, default or modifier out and keeps the table; it says why on the attribute or the argument at fault.

// SG0013: "Sku" names no property of ProductQuestion: an index names stored properties (use nameof).
[Distributed(nameof(ShopId))]
[Index(nameof(ShopId), "Sku")]
public sealed record ProductQuestion(long ShopId, long Id, long ProductId, string Text);

// SG0014: an index needs keys: properties or an Expression.
[Distributed(nameof(ShopId))]
[Index(Name = "saved_carts_lookup")]
public sealed record SavedCart(long ShopId, long Id, string Title);

// SG0015: PostgreSQL cuts names at 63 bytes; this one is longer.
[Distributed(nameof(ShopId))]
[Index(nameof(ShopId), nameof(Title), Name = "banners_by_shop_and_title_for_the_storefront_carousel_in_every_language")]
public sealed record Banner(long ShopId, long Id, string Title);

// SG0016: both indexes get PostgreSQL's default name vouchers_shop_id_code_idx.
[Distributed(nameof(ShopId))]
[Index(nameof(ShopId), nameof(Code))]
[Index(nameof(ShopId), nameof(Code), Where = "active")]
public sealed record Voucher(long ShopId, long Id, string Code, bool Active);

// SG0017: each shard checks uniqueness among its own rows only, so a unique constraint of a distributed
// table includes the distribution key (unique per shop: [Unique(nameof(ShopId), nameof(Email))]).
[Distributed(nameof(ShopId))]
[Unique(nameof(Email))]
public sealed record Subscriber(long ShopId, long Id, string Email);

// SG0018: a brin index cannot carry INCLUDE columns (btree, gist and spgist can).
[Distributed(nameof(ShopId))]
[Index(nameof(At), Method = IndexMethod.Brin, Include = new[] { nameof(Amount) })]
public sealed record Payment(long ShopId, long Id, decimal Amount, DateTimeOffset At);

// SG0019: a reference table is copied to every node, a shop's rows are on one worker: Citus refuses the key.
[Reference]
[ForeignKey(typeof(Shop), nameof(ShopId))]
public sealed record Carrier([property: PrimaryKey] string Code, long ShopId);

// SG0020: the primary key of orders is (shop_id, id): the key needs both columns, in that order.
[Distributed(nameof(ShopId))]
[ForeignKey(typeof(Order), nameof(ShopId))]
public sealed record Refund(long ShopId, long Id, long OrderId, decimal Amount);

// SG0021: SET NULL would set the distribution key to NULL; Citus refuses it.
[Distributed(nameof(ShopId))]
[ForeignKey(typeof(Product), nameof(ShopId), nameof(ProductId), OnDelete = ReferentialAction.SetNull)]
public sealed record StockAlert(long ShopId, long Id, long? ProductId);

// SG0022: a default is a constant of the property's type: "weekly" is not an int.
[Distributed(nameof(ShopId))]
public sealed record Newsletter(long ShopId, long Id, [property: Default("weekly")] int Frequency);

// SG0023: numeric(p,s) keeps s of its p digits after the point: a scale of 4 does not fit a precision of 3.
[Distributed(nameof(ShopId))]
public sealed record Payout(long ShopId, long Id, [property: Precision(3, 4)] decimal Amount);
