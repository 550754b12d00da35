using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// A table of the compiled model against the shape the native cluster recorded for it (<see cref="TableShape"/>).
/// Generated statements name their columns, so a cluster table with more columns than the model serves the model as
/// it is (its INSERTs leave them NULL): only what breaks the model's statements is a difference. See "Changing the
/// model" in docs/schema.md.
/// </summary>
internal sealed class TableComparison
{
    private const string Destructive = "ApplySchemaAsync never makes such a change (it only adds tables and nullable columns); revert the model change";

    private readonly List<string> _conflicts = [];
    private readonly List<ColumnDefinition> _missing = [];

    private TableComparison(TableDefinition table, TableShape? recorded)
    {
        Table = table;
        Recorded = recorded;
    }

    public TableDefinition Table { get; }

    /// <summary>The shape the cluster recorded; null when its text could not be read.</summary>
    public TableShape? Recorded { get; }

    /// <summary>Columns of the model the cluster's table lacks: an apply adds them when they are nullable.</summary>
    public IReadOnlyList<ColumnDefinition> Missing => _missing;

    /// <summary>The missing columns an apply adds: the nullable ones.</summary>
    public IEnumerable<ColumnDefinition> Additions => _missing.Where(c => c.IsNullable);

    /// <summary>What a process running with this model cannot live with: every conflict, and every missing column.</summary>
    public IEnumerable<string> ForRunning() => _conflicts.Concat(_missing.Select(c =>
        $"table '{Table.Name}': the model has column \"{c.Name}\" ({Describe(c)}), the cluster's table does not. "
        + "If this model is newer than the cluster's, apply it first with ApplySchemaAsync (from one process, before this binary serves calls); "
        + "if the column was dropped from the cluster, this process is older than the cluster's model and cannot run against it"));

    /// <summary>What an apply of this model refuses: every conflict, and missing columns it cannot add.</summary>
    public IEnumerable<string> ForApply() => _conflicts.Concat(_missing.Where(c => !c.IsNullable).Select(c =>
        $"table '{Table.Name}': the model adds column \"{c.Name}\" ({Describe(c)}), which ApplySchemaAsync cannot add: the table's rows would have no value for it. "
        + "Make the property nullable (defaults are not supported yet)"));

    public static TableComparison Of(TableDefinition table, TableRow row)
    {
        if (row.Fingerprint == table.Fingerprint)
        {
            return new TableComparison(table, TableShape.Of(table));
        }

        var recorded = TableShape.Parse(row.Canonical, table.Columns.Select(c => c.Name));
        var comparison = new TableComparison(table, recorded);
        if (recorded is null)
        {
            comparison._conflicts.Add(MetadataStore.Describe(table, row.Canonical) + " (the cluster's record of it is not one this version of ShardGen reads)");
            return comparison;
        }

        comparison.Compare(recorded);
        return comparison;
    }

    private void Compare(TableShape cluster)
    {
        var name = Table.Name;
        if (cluster.Kind != Table.Kind)
        {
            _conflicts.Add($"table '{name}': the model has a {Kind(Table.Kind)} table, the cluster a {Kind(cluster.Kind)} one. {Destructive}");
            return;
        }

        if (Table.Kind == TableKind.Distributed)
        {
            if (cluster.DistributionColumn != Table.DistributionColumn || cluster.DistributionType != Table.KeyType.SqlType())
            {
                _conflicts.Add($"table '{name}': the model distributes it by \"{Table.DistributionColumn}\" ({Table.KeyType.SqlType()}), the cluster by \"{cluster.DistributionColumn}\" ({cluster.DistributionType}). {Destructive}");
            }

            if (cluster.ColocationGroup != Table.ColocationGroup)
            {
                _conflicts.Add($"table '{name}': the model puts it in colocation group '{Table.ColocationGroup}', the cluster in '{cluster.ColocationGroup}'. {Destructive}");
            }
        }

        if (!cluster.PrimaryKey.SequenceEqual(Table.PrimaryKey, StringComparer.Ordinal))
        {
            _conflicts.Add($"table '{name}': the model's primary key is ({string.Join(", ", Table.PrimaryKey)}), the cluster's ({string.Join(", ", cluster.PrimaryKey)}). {Destructive}");
        }

        var clusterColumns = cluster.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var column in Table.Columns)
        {
            if (!clusterColumns.Remove(column.Name, out var existing))
            {
                _missing.Add(column);
            }
            else if (existing.SqlType != column.SqlType)
            {
                _conflicts.Add($"table '{name}': column \"{column.Name}\" is {column.SqlType} in the model, {existing.SqlType} in the cluster. {Destructive}");
            }
            else if (existing.IsNullable != column.IsNullable)
            {
                _conflicts.Add(column.IsNullable
                    ? $"table '{name}': column \"{column.Name}\" is nullable in the model, NOT NULL in the cluster: this model's writes of NULL would fail. {Destructive}"
                    : $"table '{name}': column \"{column.Name}\" is NOT NULL in the model, nullable in the cluster: rows with NULL in it would not read. {Destructive}");
            }
        }

        // What is left is the cluster's alone: left NULL by this model's INSERTs, which a NOT NULL column refuses.
        foreach (var extra in cluster.Columns.Where(c => clusterColumns.ContainsKey(c.Name) && !c.IsNullable))
        {
            _conflicts.Add($"table '{name}': the cluster's table has column \"{extra.Name}\" ({Describe(extra)}), which the model does not: this model's INSERTs leave it out and would fail. "
                + "If the model dropped the property, keep it (ShardGen drops no column and relaxes no NOT NULL yet); if this process is older than the cluster's model, deploy the newer one");
        }
    }

    private static string Describe(ColumnDefinition column) => column.SqlType + (column.IsNullable ? ", nullable" : " NOT NULL");

    private static string Kind(TableKind kind) => kind.ToString().ToLowerInvariant();
}
