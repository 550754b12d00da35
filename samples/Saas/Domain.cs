using ShardGen;

namespace Saas;

// A small multi-tenant SaaS. Everything a tenant owns is distributed by TenantId, and all of it is
// colocated (same key type, so the same colocation group): tenant 42's users, orders and order
// items sit on one worker, where a join of them runs whole.

[Distributed(nameof(TenantId))]
public sealed record Tenant(long TenantId, string Name, string PlanCode, string CountryCode, DateTimeOffset CreatedAt);

// Week two added the indexes and the check below (Program.cs applies week one's model first, then migrates).
// A unique index on a distributed table includes the distribution key: each shard enforces it on its own rows.
[Distributed(nameof(TenantId))]
[Index(nameof(TenantId), nameof(Email), IsUnique = true)]
public sealed record User(long TenantId, long Id, string Email, string DisplayName, DateTimeOffset CreatedAt);

public enum OrderStatus
{
    Open = 0,
    Paid = 1,
    Shipped = 2,
    Cancelled = 3,
}

[Distributed(nameof(TenantId))]
[Index(nameof(TenantId), nameof(Status))]
public sealed record Order(long TenantId, long Id, long UserId, OrderStatus Status, decimal Total, DateTimeOffset CreatedAt, string? Note);

[Distributed(nameof(TenantId))]
[Check("order_items_quantity_check", "quantity > 0")]
public sealed record OrderItem(
    [property: PrimaryKey] long TenantId,
    [property: PrimaryKey(Order = 1)] long OrderId,
    [property: PrimaryKey(Order = 2)] int LineNumber,
    string Sku,
    int Quantity,
    decimal UnitPrice);

// Small, read everywhere, joined with everything: a copy on every node.
[Reference]
public sealed record Plan([property: PrimaryKey] string Code, string Name, decimal MonthlyPrice, int MaxUsers);

[Reference]
public sealed record Country([property: PrimaryKey] string Code, string Name);

// Only the application needs it: it stays on the coordinator.
[Local]
public sealed record AppSetting([property: PrimaryKey] string Key, string Value, DateTimeOffset UpdatedAt);
