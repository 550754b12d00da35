namespace ShardGen.Generator.Model;

/// <summary>A secondary index of a table (<c>[Index]</c>), as the parser read it.</summary>
/// <param name="Name">The index name: <c>Name</c>, or PostgreSQL's default name.</param>
/// <param name="Columns">The key columns, as indexes into <see cref="TableSpec.Columns"/>, in order.</param>
/// <param name="IsUnique">Whether the index is unique.</param>
/// <param name="Method">The access method.</param>
/// <param name="Expression">An expression key after the columns (PostgreSQL text, as written); null for none.</param>
/// <param name="Include">The columns carried without being keys (<c>INCLUDE</c>), as indexes into <see cref="TableSpec.Columns"/>.</param>
/// <param name="Where">The predicate of a partial index (PostgreSQL text, as written); null for none.</param>
/// <param name="Ordinal">Which <c>[Index]</c> of the type this is (0 for the first): where a diagnostic goes.</param>
internal sealed record IndexSpec(
    string Name,
    EquatableArray<int> Columns,
    bool IsUnique,
    IndexMethod Method,
    string? Expression,
    EquatableArray<int> Include,
    string? Where,
    int Ordinal);

/// <summary>A unique constraint of a table (<c>[Unique]</c>).</summary>
/// <param name="Name">The constraint name: <c>Name</c>, or PostgreSQL's default name.</param>
/// <param name="Columns">The columns, as indexes into <see cref="TableSpec.Columns"/>, in order.</param>
/// <param name="Ordinal">Which <c>[Unique]</c> of the type this is (0 for the first): where a diagnostic goes.</param>
internal sealed record UniqueSpec(string Name, EquatableArray<int> Columns, int Ordinal);

/// <summary>A check constraint of a table (<c>[Check]</c>): <paramref name="Sql"/> as written.</summary>
internal sealed record CheckSpec(string Name, string Sql);

/// <summary>
/// A foreign key of a table (<c>[ForeignKey]</c>) as the parser read it; whether Citus supports it, and whether its
/// columns fit the principal's primary key, is decided by the schema builder, which knows every table.
/// </summary>
/// <param name="Name">The constraint name: <c>Name</c>, or PostgreSQL's default name.</param>
/// <param name="Columns">The referencing columns, as indexes into <see cref="TableSpec.Columns"/>, in order.</param>
/// <param name="PrincipalType">The referenced type, <c>global::</c>-qualified.</param>
/// <param name="OnDelete">What deleting a referenced row does.</param>
/// <param name="Ordinal">Which <c>[ForeignKey]</c> of the type this is (0 for the first): where a diagnostic goes.</param>
/// <param name="PrincipalTable">The referenced table's name; null as parsed, set by the schema builder when it keeps the key.</param>
/// <param name="PrincipalKey">The referenced table's primary key columns (unquoted); empty as parsed, set with <paramref name="PrincipalTable"/>.</param>
internal sealed record ForeignKeySpec(
    string Name,
    EquatableArray<int> Columns,
    string PrincipalType,
    ReferentialAction OnDelete,
    int Ordinal,
    string? PrincipalTable = null,
    EquatableArray<string> PrincipalKey = default);
