using System.ComponentModel.DataAnnotations;

namespace ShardGen.Tests.Model;

/// <summary>A table whose columns carry type modifiers in each spelling (docs/schema.md, "Type modifiers").</summary>
[Distributed(nameof(TenantId))]
public sealed class Invoice
{
    public long TenantId { get; init; }

    public long Id { get; init; }

    [Precision(12, 2)]
    public decimal Total { get; init; }

    [Column(TypeName = "numeric(5,0)")]
    public decimal? Units { get; init; }

    [MaxLength(12)]
    public string Title { get; init; } = "";

    [Column(TypeName = "char(3)")]
    public string Currency { get; init; } = "";

    [Precision(3)]
    public DateTimeOffset IssuedAt { get; init; }

    [Precision(0)]
    public TimeOnly Cutoff { get; init; }

    [Precision(2)]
    public TimeSpan Grace { get; init; }

    public decimal Plain { get; init; }
}
