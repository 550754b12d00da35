namespace ShardGen.Model;

/// <summary>How a table is spread over the cluster.</summary>
public enum TableKind
{
    /// <summary>Rows hashed by the distribution key into shards, one shard table per shard on its worker.</summary>
    Distributed,

    /// <summary>A full copy on every worker and on the coordinator.</summary>
    Reference,

    /// <summary>Only on the coordinator.</summary>
    Local,
}

/// <summary>The PostgreSQL type of a distribution key, which decides the hash function.</summary>
public enum DistributionKeyType
{
    /// <summary><c>integer</c>, hashed with <c>hashint4</c>.</summary>
    Int32,

    /// <summary><c>bigint</c>, hashed with <c>hashint8</c>.</summary>
    Int64,

    /// <summary><c>text</c>, hashed with <c>hashtext</c>.</summary>
    Text,

    /// <summary><c>uuid</c>, hashed with <c>uuid_hash</c>.</summary>
    Uuid,
}

public static class DistributionKeyTypes
{
    /// <summary>The PostgreSQL type name of a key type.</summary>
    public static string SqlType(this DistributionKeyType type) => type switch
    {
        DistributionKeyType.Int32 => "integer",
        DistributionKeyType.Int64 => "bigint",
        DistributionKeyType.Text => "text",
        DistributionKeyType.Uuid => "uuid",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The colocation group tables with this key type share unless told otherwise.</summary>
    public static string DefaultGroupName(this DistributionKeyType type) => type switch
    {
        DistributionKeyType.Int32 => "int4",
        DistributionKeyType.Int64 => "int8",
        DistributionKeyType.Text => "text",
        DistributionKeyType.Uuid => "uuid",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The PostgreSQL hash function for a key type (the one Citus uses, from the type's default hash opclass).</summary>
    public static string HashFunction(this DistributionKeyType type) => type switch
    {
        DistributionKeyType.Int32 => "hashint4",
        DistributionKeyType.Int64 => "hashint8",
        DistributionKeyType.Text => "hashtext",
        DistributionKeyType.Uuid => "uuid_hash",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
