namespace ShardGen.Generator.Model;

/// <summary>
/// One attributed type, as the parser reads it on its own: everything the emitters need about
/// the type, its columns and keys, without anything that depends on the other tables.
/// </summary>
/// <param name="FullTypeName">The type, <c>global::</c>-qualified (<c>global::MyApp.Order</c>).</param>
/// <param name="Namespace">The type's namespace as C# (keywords escaped); empty for the global namespace.</param>
/// <param name="TypeName">The type's name, unescaped (<c>Order</c>).</param>
/// <param name="IsPublic">Whether the type is public (else internal); the generated types follow it.</param>
/// <param name="IsValueType">Whether the type is a struct (or record struct).</param>
/// <param name="Kind">Distributed, reference or local.</param>
/// <param name="TableName">The table name, unquoted.</param>
/// <param name="Columns">The mapped properties in declaration order (base type first).</param>
/// <param name="PrimaryKey">Indexes into <see cref="Columns"/>; for a distributed table the distribution key is first.</param>
/// <param name="DistributionKey">The index of the distribution key in <see cref="Columns"/>; -1 unless distributed.</param>
/// <param name="KeyType">The distribution key's type (meaningful for distributed tables only).</param>
/// <param name="Colocation">What the attribute asked for the colocation group (distributed tables only).</param>
/// <param name="ColocationArgument">The group name for <see cref="ColocationRequest.Named"/>, the <c>global::</c>-qualified type for <see cref="ColocationRequest.With"/>; null otherwise.</param>
/// <param name="ConstructorParameters">The parameters of the constructor the row mapper calls, in order (empty: the parameterless one).</param>
/// <param name="Indexes">The secondary indexes (<c>[Index]</c>), in declaration order.</param>
/// <param name="UniqueConstraints">The unique constraints (<c>[Unique]</c>), in declaration order.</param>
/// <param name="CheckConstraints">The check constraints (<c>[Check]</c>), in declaration order.</param>
/// <param name="ForeignKeys">The foreign keys (<c>[ForeignKey]</c>), in declaration order; the schema model keeps only those Citus supports.</param>
internal sealed record TableSpec(
    string FullTypeName,
    string Namespace,
    string TypeName,
    bool IsPublic,
    bool IsValueType,
    TableKind Kind,
    string TableName,
    EquatableArray<ColumnSpec> Columns,
    EquatableArray<int> PrimaryKey,
    int DistributionKey,
    DistributionKeyType KeyType,
    ColocationRequest Colocation,
    string? ColocationArgument,
    EquatableArray<ConstructorParameterSpec> ConstructorParameters,
    EquatableArray<IndexSpec> Indexes = default,
    EquatableArray<UniqueSpec> UniqueConstraints = default,
    EquatableArray<CheckSpec> CheckConstraints = default,
    EquatableArray<ForeignKeySpec> ForeignKeys = default);
