using ShardGen;

namespace ShardGen.Tests.Model;

// The model the integration tests compile with the real generator: every key type, colocated and
// non-colocated groups, reference and local tables, and every supported column type.

[Distributed(nameof(TenantId))]
public sealed record Account(long TenantId, long Id, string Owner, decimal Balance);

[Distributed(nameof(TenantId))]
public sealed record Entry(long TenantId, long Id, long AccountId, decimal Amount, string? Memo);

[Distributed(nameof(Region))]
public sealed record Counter(int Region, long Id, long Value);

[Distributed(nameof(Code))]
public sealed record Voucher(string Code, long Id, string Holder);

[Distributed(nameof(DeviceId), Colocation = DistributedAttribute.NoColocation)]
public sealed record Reading(Guid DeviceId, long Id, double Value, DateTimeOffset TakenAt);

public enum Color : short
{
    Red = 1,
    Green = 2,
    Blue = 3,
}

[Distributed(nameof(TenantId), Table = "all_types")]
public sealed class TypeSample
{
    public long TenantId { get; init; }

    public long Id { get; init; }

    public bool Flag { get; init; }

    public bool? FlagN { get; init; }

    public short Small { get; init; }

    public short? SmallN { get; init; }

    public int Int { get; init; }

    public int? IntN { get; init; }

    public long Long { get; init; }

    public long? LongN { get; init; }

    public byte Byte { get; init; }

    public uint UInt { get; init; }

    public decimal Dec { get; init; }

    public decimal? DecN { get; init; }

    public float Float { get; init; }

    public float? FloatN { get; init; }

    public double Double { get; init; }

    public double? DoubleN { get; init; }

    public string Text { get; init; } = "";

    public string? TextN { get; init; }

    public Guid Uuid { get; init; }

    public Guid? UuidN { get; init; }

    public DateTime Stamp { get; init; }

    public DateTime? StampN { get; init; }

    public DateTimeOffset Moment { get; init; }

    public DateTimeOffset? MomentN { get; init; }

    public DateOnly Day { get; init; }

    public DateOnly? DayN { get; init; }

    public TimeOnly Time { get; init; }

    public TimeOnly? TimeN { get; init; }

    public TimeSpan Span { get; init; }

    public TimeSpan? SpanN { get; init; }

    public byte[] Bytes { get; init; } = [];

    public byte[]? BytesN { get; init; }

    public Color Color { get; init; }

    public Color? ColorN { get; init; }

    [Column("renamed_note")]
    public string? Note { get; init; }

    [NotMapped]
    public string Ignored { get; init; } = "not stored";
}

[Reference]
public sealed record Currency([property: PrimaryKey] string Code, string Name, int Digits);

[Local]
public sealed record Setting([property: PrimaryKey] string Key, string Value);
