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

/// <summary>
/// The column a property maps to: its name (by default the snake_case of the property name) and, as EF Core's
/// <c>[Column(TypeName = ...)]</c>, its PostgreSQL type with a type modifier.
/// </summary>
/// <example><code>
/// [Column("total_due")] public decimal Total { get; set; }
/// [Column(TypeName = "numeric(12,2)")] public decimal Price { get; set; }
/// [Column(TypeName = "char(3)")] public string Currency { get; set; } = "";
/// </code></example>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class ColumnAttribute : Attribute
{
    /// <summary>Keeps the default column name (to give only <see cref="TypeName"/>).</summary>
    public ColumnAttribute()
    {
    }

    public ColumnAttribute(string name) => Name = name;

    /// <summary>The column name; null for the snake_case of the property name.</summary>
    public string? Name { get; }

    /// <summary>
    /// The column's PostgreSQL type, a form of the type the property's CLR type maps to: <c>numeric(p,s)</c> for
    /// <c>decimal</c>; <c>varchar(n)</c>, <c>char(n)</c> or <c>text</c> for <c>string</c>; <c>timestamptz(p)</c> for
    /// <c>DateTime</c> and <c>DateTimeOffset</c>; <c>time(p)</c> for <c>TimeOnly</c>; <c>interval(p)</c> for <c>TimeSpan</c>.
    /// See "Type modifiers" in docs/schema.md.
    /// </summary>
    public string? TypeName { get; set; }
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
