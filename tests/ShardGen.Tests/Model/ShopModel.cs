using ShardGen;

namespace ShardGen.Tests.Model;

// The tables the differential query tests load into the sharded cluster and into one plain
// PostgreSQL database: customers, orders and order lines colocated by tenant, countries everywhere.

[Distributed(nameof(TenantId))]
public sealed record Customer(long TenantId, long Id, string Name, string? CountryCode, int Tier, DateTimeOffset JoinedAt);

[Distributed(nameof(TenantId))]
public sealed record Order(long TenantId, long Id, long CustomerId, string Status, decimal Total, double Weight, int Quantity, DateTimeOffset CreatedAt, string? Note);

[Distributed(nameof(TenantId))]
public sealed record OrderLine(
    [property: PrimaryKey] long TenantId,
    [property: PrimaryKey(Order = 1)] long OrderId,
    [property: PrimaryKey(Order = 2)] int LineNo,
    string Sku,
    int Qty,
    decimal Price);

[Reference]
public sealed record Country([property: PrimaryKey] string Code, string Name, string Region);
