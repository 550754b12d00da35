namespace ShardGen;

/// <summary>
/// Marks a record as a distributed table: its rows are hashed by <see cref="Key"/> into the
/// shards of a colocation group, as Citus's <c>create_distributed_table</c> does.
/// </summary>
/// <remarks>
/// Tables whose keys have the same type share one colocation group unless told otherwise:
/// <see cref="ColocateWith"/> names a table to share a group with, <see cref="Colocation"/>
/// names a group (<c>"none"</c> for a group of this table alone).
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class DistributedAttribute : Attribute
{
    /// <summary>The value meaning "a colocation group of this table alone" for <see cref="Colocation"/>.</summary>
    public const string NoColocation = "none";

    public DistributedAttribute(string key) => Key = key;

    /// <summary>The name of the property that holds the distribution key (use <c>nameof</c>).</summary>
    public string Key { get; }

    /// <summary>A distributed table to colocate with: its shard i sits on the same worker as this table's shard i.</summary>
    public Type? ColocateWith { get; set; }

    /// <summary>The name of the colocation group; <c>"none"</c> for a group of this table alone.</summary>
    public string? Colocation { get; set; }

    /// <summary>The table name; by default the snake_case plural of the type name.</summary>
    public string? Table { get; set; }
}

/// <summary>Marks a record as a reference table: a full copy on every worker and the coordinator.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class ReferenceAttribute : Attribute
{
    /// <summary>The table name; by default the snake_case plural of the type name.</summary>
    public string? Table { get; set; }
}

/// <summary>Marks a record as a local table: it lives only on the coordinator.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class LocalAttribute : Attribute
{
    /// <summary>The table name; by default the snake_case plural of the type name.</summary>
    public string? Table { get; set; }
}

/// <summary>Names the column a property maps to (by default the snake_case of the property name).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class ColumnAttribute : Attribute
{
    public ColumnAttribute(string name) => Name = name;

    public string Name { get; }
}

/// <summary>
/// Marks a property as part of the primary key. Without it, a property named <c>Id</c> is the key.
/// The distribution key of a distributed table always comes first in its primary key, as Citus requires.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class PrimaryKeyAttribute : Attribute
{
    /// <summary>The position of this column in a composite key (lowest first).</summary>
    public int Order { get; set; }
}

/// <summary>Leaves a property out of the table.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class NotMappedAttribute : Attribute
{
}
