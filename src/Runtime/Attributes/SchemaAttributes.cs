namespace ShardGen;

/// <summary>The access method of an index (PostgreSQL's <c>USING</c>).</summary>
public enum IndexMethod
{
    /// <summary>The default: equality and ranges, ordering, unique indexes.</summary>
    BTree,

    /// <summary>Equality only.</summary>
    Hash,

    /// <summary>Inverted index: jsonb containment, arrays, full text (<c>to_tsvector(...)</c>).</summary>
    Gin,

    /// <summary>Generalized search tree: ranges, geometry, full text.</summary>
    Gist,

    /// <summary>Space-partitioned search tree.</summary>
    SpGist,

    /// <summary>Block ranges: tiny indexes over columns that follow the physical order (timestamps of appended rows).</summary>
    Brin,
}

/// <summary>What a foreign key does to referencing rows when the referenced row is deleted (PostgreSQL's <c>ON DELETE</c>).</summary>
public enum ReferentialAction
{
    /// <summary>The default: the delete fails while referencing rows exist (checked at the end of the statement).</summary>
    NoAction,

    /// <summary>The delete fails while referencing rows exist (checked at once).</summary>
    Restrict,

    /// <summary>The referencing rows are deleted too.</summary>
    Cascade,

    /// <summary>The referencing columns are set to NULL.</summary>
    SetNull,

    /// <summary>The referencing columns are set to their defaults.</summary>
    SetDefault,
}

/// <summary>
/// A secondary index of the table, as EF Core's <c>[Index]</c>: on the columns of the named properties (in order), or on
/// <see cref="Expression"/>. On a distributed table it is created on every shard table; a unique index must contain
/// the distribution key (each shard enforces it on its own rows only).
/// </summary>
/// <example><code>
/// [Distributed(nameof(TenantId))]
/// [Index(nameof(TenantId), nameof(Email), IsUnique = true)]
/// [Index(Expression = "to_tsvector('english', body)", Method = IndexMethod.Gin, Name = "messages_body_search")]
/// public sealed record Message(long TenantId, long Id, string Email, string Body);
/// </code></example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = true)]
public sealed class IndexAttribute : Attribute
{
    public IndexAttribute(params string[] propertyNames) => PropertyNames = propertyNames;

    /// <summary>The properties whose columns are the index's keys, in order (use <c>nameof</c>).</summary>
    public string[] PropertyNames { get; }

    /// <summary>The index name; by default <c>{table}_{column}_..._idx</c> (<c>_key</c> when unique), as PostgreSQL names them.</summary>
    public string? Name { get; set; }

    /// <summary>Whether the index is unique.</summary>
    public bool IsUnique { get; set; }

    /// <summary>The access method (<c>USING</c>).</summary>
    public IndexMethod Method { get; set; }

    /// <summary>An expression key (PostgreSQL, naming columns), after the properties' columns, e.g. <c>lower(email)</c>.</summary>
    public string? Expression { get; set; }

    /// <summary>Properties whose columns the index carries without being keys (<c>INCLUDE</c>, B-tree only).</summary>
    public string[]? Include { get; set; }

    /// <summary>A predicate (PostgreSQL, naming columns) that makes the index partial, e.g. <c>deleted_at IS NULL</c>.</summary>
    public string? Where { get; set; }
}

/// <summary>
/// A unique constraint on the columns of the named properties. On a distributed table it must contain the distribution
/// key, as Citus requires: each shard can only enforce uniqueness among its own rows.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = true)]
public sealed class UniqueAttribute : Attribute
{
    public UniqueAttribute(params string[] propertyNames) => PropertyNames = propertyNames;

    /// <summary>The properties whose columns are unique together, in order (use <c>nameof</c>).</summary>
    public string[] PropertyNames { get; }

    /// <summary>The constraint name; by default <c>{table}_{column}_..._key</c>, as PostgreSQL names them.</summary>
    public string? Name { get; set; }
}

/// <summary>A check constraint: a PostgreSQL boolean expression over the table's columns that every row satisfies.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = true)]
public sealed class CheckAttribute : Attribute
{
    /// <param name="name">The constraint's name (named, so that a migration recognizes it).</param>
    /// <param name="sql">The expression, e.g. <c>balance &gt;= 0</c>.</param>
    public CheckAttribute(string name, string sql)
    {
        Name = name;
        Sql = sql;
    }

    public string Name { get; }

    public string Sql { get; }
}

/// <summary>
/// A foreign key from the columns of the named properties to the primary key of <see cref="Principal"/>. Supported where
/// Citus supports it: between colocated distributed tables when the key includes the distribution key in the same
/// position, from a distributed or reference table to a reference table, and from a local table to a local or reference table.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false, AllowMultiple = true)]
public sealed class ForeignKeyAttribute : Attribute
{
    public ForeignKeyAttribute(Type principal, params string[] propertyNames)
    {
        Principal = principal;
        PropertyNames = propertyNames;
    }

    /// <summary>The referenced table's type; the key references its primary key columns, in order.</summary>
    public Type Principal { get; }

    /// <summary>The properties whose columns reference the principal's primary key, in its order (use <c>nameof</c>).</summary>
    public string[] PropertyNames { get; }

    /// <summary>The constraint name; by default <c>{table}_{column}_..._fkey</c>, as PostgreSQL names them.</summary>
    public string? Name { get; set; }

    /// <summary>What deleting a referenced row does.</summary>
    public ReferentialAction OnDelete { get; set; }
}

/// <summary>
/// A constant default of the column: what rows get when an <c>INSERT</c> leaves the column out (a process built before the
/// column existed), and what existing rows get when a migration adds the column. A column with a default may be NOT NULL
/// and still be added to a table with rows.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class DefaultAttribute : Attribute
{
    public DefaultAttribute(object value) => Value = value;

    /// <summary>The value: a number, string, bool or enum constant of the property's type.</summary>
    public object Value { get; }
}

/// <summary>A default of the column computed by the server, as EF Core's <c>HasDefaultValueSql</c>: <c>now()</c>, <c>gen_random_uuid()</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class DefaultSqlAttribute : Attribute
{
    public DefaultSqlAttribute(string sql) => Sql = sql;

    /// <summary>The PostgreSQL expression.</summary>
    public string Sql { get; }
}

/// <summary>
/// The precision (and scale) of the column, as EF Core's <c>[Precision]</c>: <c>numeric(p,s)</c> for <c>decimal</c>
/// (1 &lt;= p &lt;= 1000, 0 &lt;= s &lt;= p; the scale is 0 when left out); fractional digits of the seconds, 0 to 6,
/// for <c>DateTime</c> and <c>DateTimeOffset</c> (<c>timestamp(p) with time zone</c>), <c>TimeOnly</c> (<c>time(p)</c>) and
/// <c>TimeSpan</c> (<c>interval(p)</c>). A string's length is <c>[MaxLength(n)]</c>
/// (<c>System.ComponentModel.DataAnnotations</c>): <c>character varying(n)</c>.
/// </summary>
/// <example><code>
/// [Precision(12, 2)] public decimal Total { get; set; }
/// [Precision(3)] public DateTimeOffset CreatedAt { get; set; }
/// </code></example>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class PrecisionAttribute : Attribute
{
    public PrecisionAttribute(int precision) => Precision = precision;

    public PrecisionAttribute(int precision, int scale)
    {
        Precision = precision;
        Scale = scale;
    }

    /// <summary>The number of significant digits of a <c>numeric</c>, or the fractional digits of the seconds of a time.</summary>
    public int Precision { get; }

    /// <summary>The digits after the decimal point of a <c>numeric</c>; null when not given (0).</summary>
    public int? Scale { get; }
}
