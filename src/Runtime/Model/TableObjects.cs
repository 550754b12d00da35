namespace ShardGen.Model;

/// <summary>A secondary index of a table (<c>[Index]</c>), created on every physical copy of it.</summary>
/// <param name="Name">The index name in the model; a shard's copy is named after it and the shard id.</param>
/// <param name="Columns">The key columns, in order (unquoted names).</param>
public sealed record IndexDefinition(string Name, IReadOnlyList<string> Columns)
{
    public bool IsUnique { get; init; }

    public IndexMethod Method { get; init; }

    /// <summary>An expression key after <see cref="Columns"/> (PostgreSQL text); null for none.</summary>
    public string? Expression { get; init; }

    /// <summary>Columns carried without being keys (<c>INCLUDE</c>).</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>The predicate of a partial index (PostgreSQL text); null for a full index.</summary>
    public string? Where { get; init; }
}

/// <summary>A unique constraint of a table (<c>[Unique]</c>).</summary>
public sealed record UniqueConstraintDefinition(string Name, IReadOnlyList<string> Columns);

/// <summary>A check constraint of a table (<c>[Check]</c>): <paramref name="Sql"/> is the boolean expression.</summary>
public sealed record CheckConstraintDefinition(string Name, string Sql);

/// <summary>A foreign key of a table (<c>[ForeignKey]</c>) to the primary key of <paramref name="ReferencedTable"/>.</summary>
/// <param name="Columns">The referencing columns, in the order of the referenced ones.</param>
/// <param name="ReferencedTable">The referenced table's name in the model.</param>
/// <param name="ReferencedColumns">The referenced table's primary key columns.</param>
public sealed record ForeignKeyDefinition(string Name, IReadOnlyList<string> Columns, string ReferencedTable, IReadOnlyList<string> ReferencedColumns)
{
    public ReferentialAction OnDelete { get; init; }
}
