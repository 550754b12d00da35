namespace ShardGen.Model;

/// <summary>
/// A table as the generator compiled it: columns, keys, placement, and the text of its statements.
/// Generated code creates one per record type; the run time never inspects the record type itself.
/// </summary>
public sealed class TableDefinition
{
    public TableDefinition(
        string name,
        TableKind kind,
        IReadOnlyList<ColumnDefinition> columns,
        IReadOnlyList<string> primaryKey,
        string columnsDdl,
        IReadOnlyList<SqlTemplate> statements,
        string? distributionColumn = null,
        DistributionKeyType keyType = default,
        string? colocationGroup = null)
    {
        Name = name;
        Kind = kind;
        Columns = columns;
        PrimaryKey = primaryKey;
        ColumnsDdl = columnsDdl;
        Statements = statements;
        if (kind == TableKind.Distributed)
        {
            DistributionColumn = distributionColumn ?? throw new ArgumentException($"Distributed table '{name}' needs a distribution column.", nameof(distributionColumn));
            ColocationGroup = colocationGroup ?? throw new ArgumentException($"Distributed table '{name}' needs a colocation group.", nameof(colocationGroup));
            KeyType = keyType;
        }

        Canonical = CanonicalText.Of(this);
        Fingerprint = CanonicalText.Fingerprint(Canonical);
    }

    /// <summary>The table name (unquoted); shard tables are named <c>{Name}_{shardid}</c>.</summary>
    public string Name { get; }

    public TableKind Kind { get; }

    public IReadOnlyList<ColumnDefinition> Columns { get; }

    /// <summary>Primary key columns in order; for a distributed table the distribution column is first.</summary>
    public IReadOnlyList<string> PrimaryKey { get; }

    /// <summary>
    /// The inside of the table's <c>CREATE TABLE (...)</c>: column definitions and primary key,
    /// rendered by the generator, e.g. <c>"tenant_id" bigint NOT NULL, ..., PRIMARY KEY ("tenant_id", "id")</c>.
    /// </summary>
    public string ColumnsDdl { get; }

    /// <summary>The statements of the generated repository, indexed by the constants it declares.</summary>
    public IReadOnlyList<SqlTemplate> Statements { get; }

    /// <summary>The distribution column of a distributed table; null otherwise.</summary>
    public string? DistributionColumn { get; }

    /// <summary>The type of the distribution key (meaningful for distributed tables only).</summary>
    public DistributionKeyType KeyType { get; }

    /// <summary>The colocation group of a distributed table; null otherwise.</summary>
    public string? ColocationGroup { get; }

    /// <summary>A canonical text of everything that decides the table's shape and placement.</summary>
    public string Canonical { get; }

    /// <summary>XxHash128 of <see cref="Canonical"/>, in hex: what the cluster's metadata records.</summary>
    public string Fingerprint { get; }

    public override string ToString() => Name;
}
