namespace ShardGen.Generator.Model;

/// <summary>
/// Every table of one assembly, resolved against each other: what the entry point and the DDL are
/// emitted from, and what each repository is emitted from (one <see cref="TableModel"/> each).
/// </summary>
/// <param name="Namespace">The namespace of the entry point: the assembly name made a valid C# namespace.</param>
/// <param name="IsPublic">Whether every table type is public, so that the entry point can be.</param>
/// <param name="Tables">The tables, in ordinal order of their names.</param>
internal sealed record SchemaModel(string Namespace, bool IsPublic, EquatableArray<TableModel> Tables);

/// <summary>A table that made it into the schema: its spec plus the facts that depend on the other tables.</summary>
/// <param name="Table">The table as parsed.</param>
/// <param name="ColocationGroup">The resolved colocation group of a distributed table; null otherwise.</param>
/// <param name="PropertyName">The entry point's property for this table: the PascalCase plural of the type name.</param>
internal sealed record TableModel(TableSpec Table, string? ColocationGroup, string PropertyName);
