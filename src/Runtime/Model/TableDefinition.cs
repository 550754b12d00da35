namespace ShardGen.Model;

/// <summary>
/// A table as the generator compiled it: columns, keys, placement, and the text of its statements.
/// Generated code creates one per record type; the run time never inspects the record type itself.
/// </summary>
public sealed class TableDefinition
{
    // Computed on first use, after the init-only members are set.
    private string? _canonical;
    private string? _fingerprint;

    public TableDefinition(
        string name,
        TableKind kind,
        IReadOnlyList<ColumnDefinition> columns,
        IReadOnlyList<string> primaryKey,
        IReadOnlyList<SqlTemplate> statements,
        string? distributionColumn = null,
        DistributionKeyType keyType = default,
        string? colocationGroup = null)
    {
        Name = name;
        Kind = kind;
        Columns = columns;
        PrimaryKey = primaryKey;
        Statements = statements;
        if (kind == TableKind.Distributed)
        {
            DistributionColumn = distributionColumn ?? throw new ArgumentException($"Distributed table '{name}' needs a distribution column.", nameof(distributionColumn));
            ColocationGroup = colocationGroup ?? throw new ArgumentException($"Distributed table '{name}' needs a colocation group.", nameof(colocationGroup));
            KeyType = keyType;
        }
    }

    /// <summary>The table name (unquoted); shard tables are named <c>{Name}_{shardid}</c>.</summary>
    public string Name { get; }

    public TableKind Kind { get; }

    public IReadOnlyList<ColumnDefinition> Columns { get; }

    /// <summary>Primary key columns in order; for a distributed table the distribution column is first.</summary>
    public IReadOnlyList<string> PrimaryKey { get; }

    /// <summary>Secondary indexes (<c>[Index]</c>), by name.</summary>
    public IReadOnlyList<IndexDefinition> Indexes { get; init; } = [];

    /// <summary>Unique constraints (<c>[Unique]</c>), by name.</summary>
    public IReadOnlyList<UniqueConstraintDefinition> UniqueConstraints { get; init; } = [];

    /// <summary>Check constraints (<c>[Check]</c>), by name.</summary>
    public IReadOnlyList<CheckConstraintDefinition> CheckConstraints { get; init; } = [];

    /// <summary>Foreign keys (<c>[ForeignKey]</c>), by name.</summary>
    public IReadOnlyList<ForeignKeyDefinition> ForeignKeys { get; init; } = [];

    /// <summary>The statements of the generated repository, indexed by the constants it declares.</summary>
    public IReadOnlyList<SqlTemplate> Statements { get; }

    /// <summary>The distribution column of a distributed table; null otherwise.</summary>
    public string? DistributionColumn { get; }

    /// <summary>The type of the distribution key (meaningful for distributed tables only).</summary>
    public DistributionKeyType KeyType { get; }

    /// <summary>The colocation group of a distributed table; null otherwise.</summary>
    public string? ColocationGroup { get; }

    /// <summary>A canonical text of everything that decides the table's shape and placement.</summary>
    public string Canonical => _canonical ??= CanonicalText.Of(this);

    /// <summary>XxHash128 of <see cref="Canonical"/>, in hex: what the cluster's metadata records.</summary>
    public string Fingerprint => _fingerprint ??= CanonicalText.Fingerprint(Canonical);

    public override string ToString() => Name;
}
