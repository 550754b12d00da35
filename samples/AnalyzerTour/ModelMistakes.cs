using ShardGen;

namespace AnalyzerTour;

// One mistake per model rule (SG0001-SG0012). ShardGen skips a table type it cannot use (no repository,
// no DDL) and says why, on the attribute or the property at fault.

// SG0001: the distribution key must name a property of the type ("Shop" is not one; nameof(ShopId) is).
[Distributed("Shop")]
public sealed record Coupon(long ShopId, long Id, string Code);

// SG0002: a distribution key is int, long, string or Guid, the types PostgreSQL (and Citus) hash rows by.
[Distributed(nameof(Day))]
public sealed record DailyRevenue(DateTime Day, long Id, decimal Amount);

// SG0003: every row needs a key to be placed on a shard, so the key cannot be nullable.
[Distributed(nameof(ShopId))]
public sealed record Review(long? ShopId, long Id, int Stars);

// SG0004: a table is distributed, reference or local: one attribute, not two.
[Distributed(nameof(ShopId))]
[Reference]
public sealed record Supplier(long ShopId, long Id, string Name);

// SG0005 (a warning even in real projects): the primary key leaves out the distribution key, which Citus
// refuses; ShardGen puts ShopId first in the key itself.
[Distributed(nameof(ShopId))]
public sealed class Invoice
{
    public long ShopId { get; set; }

    [PrimaryKey]
    public long Id { get; set; }

    public decimal Amount { get; set; }
}

// SG0006: only a distributed table has shards to colocate with; Country is a reference table.
[Distributed(nameof(ShopId), ColocateWith = typeof(Country))]
public sealed record Subscription(long ShopId, long Id, string PlanCode);

// SG0007: colocated tables hash keys of one type; PosTerminal's key is a Guid, Order's a long.
[Distributed(nameof(DeviceId), ColocateWith = typeof(Order))]
public sealed record PosTerminal(Guid DeviceId, long Id, string Label);

// SG0008: a column holds a supported type (numbers, text, Guid, times, byte[], enums), not a List<string>.
[Distributed(nameof(ShopId))]
public sealed record Wishlist(long ShopId, long Id, List<string> Skus);

// SG0009: reference and local tables need a primary key: an Id property or [PrimaryKey] properties.
[Reference]
public sealed record TaxRate(string Region, decimal Rate);

// SG0011: two types cannot map to one table: Purchase claims "orders", which Order already is.
[Distributed(nameof(ShopId), Table = "orders")]
public sealed record Purchase(long ShopId, long Id, decimal Total);

// SG0012: primary key columns are NOT NULL.
[Reference]
public sealed record Warehouse(long? Id, string City);

public static class Legacy
{
    // SG0010: a table type is top-level (and non-generic, non-abstract); this one is nested.
    [Distributed(nameof(ShopId))]
    public sealed record Cart(long ShopId, long Id, decimal Total);
}
