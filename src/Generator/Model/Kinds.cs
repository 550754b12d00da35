namespace ShardGen.Generator.Model;

/// <summary>How a table is spread over the cluster (mirrors <c>ShardGen.Model.TableKind</c> of the runtime).</summary>
internal enum TableKind
{
    Distributed,
    Reference,
    Local,
}

/// <summary>The type of a distribution key (mirrors <c>ShardGen.Model.DistributionKeyType</c> of the runtime).</summary>
internal enum DistributionKeyType
{
    Int32,
    Int64,
    Text,
    Uuid,
}

/// <summary>
/// The CLR type of a column as the row mappers handle it. For an enum property this is the enum's
/// underlying integral type (the enum is stored as its number); see <see cref="SqlTypes"/> for the
/// PostgreSQL type of each.
/// </summary>
internal enum ColumnType
{
    Boolean,
    Int16,
    Byte,
    SByte,
    Int32,
    UInt16,
    Int64,
    UInt32,
    Decimal,
    Single,
    Double,
    String,
    Guid,
    DateTime,
    DateTimeOffset,
    DateOnly,
    TimeOnly,
    TimeSpan,
    ByteArray,
}

/// <summary>What a <c>[Distributed]</c> attribute asked for its colocation group.</summary>
internal enum ColocationRequest
{
    /// <summary>Nothing: the default group of the key type (<c>int4</c>, <c>int8</c>, <c>text</c>, <c>uuid</c>).</summary>
    Default,

    /// <summary><c>Colocation = "name"</c>: the group of that name.</summary>
    Named,

    /// <summary><c>Colocation = "none"</c>: a group of this table alone, named after the table.</summary>
    None,

    /// <summary><c>ColocateWith = typeof(X)</c>: the group of table X.</summary>
    With,
}

/// <summary>The access method of an index (mirrors <c>ShardGen.IndexMethod</c> of the runtime, same order).</summary>
internal enum IndexMethod
{
    BTree,
    Hash,
    Gin,
    Gist,
    SpGist,
    Brin,
}

/// <summary>What deleting a referenced row does (mirrors <c>ShardGen.ReferentialAction</c> of the runtime, same order).</summary>
internal enum ReferentialAction
{
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}
