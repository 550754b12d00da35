using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// A table of the compiled model against the shape the native cluster recorded for it (<see cref="TableShape"/>): what a
/// process running the model cannot live with (<see cref="ForRunning"/>), and what an apply changes — additive changes
/// online, destructive ones only when the caller opts in (<see cref="ForApply"/>). Generated statements name their
/// columns, so a cluster table with more than the model (columns that are nullable or have a default, indexes,
/// constraints) serves the model as it is. See "Changing the model" in docs/schema.md.
/// </summary>
internal sealed class TableComparison
{
    private const string Never = "ShardGen never makes this change, not even ApplySchemaAsync with AllowDestructiveChanges: create a table under a new name and copy the rows";
    private const string OptIn = "a destructive change: ApplySchemaAsync makes it only with SchemaApplyOptions.AllowDestructiveChanges (see the plan with PlanSchemaAsync first), or revert the model change";

    private readonly List<string> _refused = [];
    private readonly List<string> _breaking = [];
    private readonly List<string> _destructive = [];

    private TableComparison(TableDefinition table, TableShape? recorded)
    {
        Table = table;
        Recorded = recorded;
    }

    public TableDefinition Table { get; }

    /// <summary>The shape the cluster recorded; null when its text could not be read.</summary>
    public TableShape? Recorded { get; }

    /// <summary>Columns of the model the cluster's table lacks, that an apply adds (nullable, or with a default).</summary>
    public List<ColumnDefinition> AddColumns { get; } = [];

    /// <summary>Columns both have whose model default the cluster's column lacks.</summary>
    public List<ColumnDefinition> SetDefaults { get; } = [];

    public List<CheckConstraintDefinition> AddChecks { get; } = [];

    public List<ForeignKeyDefinition> AddForeignKeys { get; } = [];

    public List<IndexDefinition> AddIndexes { get; } = [];

    public List<UniqueConstraintDefinition> AddUniques { get; } = [];

    /// <summary>What the destructive phase does (with the opt-in): drops, type and nullability changes, a new primary key,
    /// and indexes or constraints whose definition changed under the same name (dropped, then made again).</summary>
    public DestructiveChanges Destructive { get; } = new();

    /// <summary>Whether an apply has anything additive to do for this table.</summary>
    public bool HasAdditions => AddColumns.Count + SetDefaults.Count + AddChecks.Count + AddForeignKeys.Count + AddIndexes.Count + AddUniques.Count > 0;

    /// <summary>What a process running with this model cannot live with.</summary>
    public IEnumerable<string> ForRunning() => _refused.Concat(_breaking);

    /// <summary>What an apply of this model refuses: what it never does, and destructive changes without the opt-in.</summary>
    public IEnumerable<string> ForApply(bool allowDestructive) => allowDestructive ? _refused : _refused.Concat(_destructive.Select(d => d + ": " + OptIn));

    /// <summary>The shape the table has after the additive phases: columns, defaults, constraints and indexes added, nothing dropped.</summary>
    public TableShape Additive(bool withIndexes)
    {
        var shape = Recorded!;
        var defaults = SetDefaults.ToDictionary(c => c.Name, c => c.DefaultSql, StringComparer.Ordinal);
        shape = shape with
        {
            Columns = [.. shape.Columns.Select(c => defaults.TryGetValue(c.Name, out var sql) ? c with { DefaultSql = sql } : c), .. AddColumns],
            CheckConstraints = [.. shape.CheckConstraints, .. AddChecks],
            ForeignKeys = [.. shape.ForeignKeys, .. AddForeignKeys],
        };
        return withIndexes ? shape with { Indexes = [.. shape.Indexes, .. AddIndexes], UniqueConstraints = [.. shape.UniqueConstraints, .. AddUniques] } : shape;
    }

    /// <summary>The shape after the destructive phase: the model's, columns in their physical order.</summary>
    public TableShape Final()
    {
        var model = TableShape.Of(Table);
        var byName = Table.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var kept = Recorded!.Columns.Where(c => byName.ContainsKey(c.Name)).Select(c => byName[c.Name]).ToList();
        return model with { Columns = [.. kept, .. Table.Columns.Where(c => !kept.Exists(k => k.Name == c.Name))] };
    }

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
            comparison._refused.Add(MetadataStore.Describe(table, row.Canonical) + " (the cluster's record of it is not one this version of ShardGen reads)");
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
            _refused.Add($"table '{name}': the model has a {Kind(Table.Kind)} table, the cluster a {Kind(cluster.Kind)} one. {Never}");
            return;
        }

        if (Table.Kind == TableKind.Distributed)
        {
            if (cluster.DistributionColumn != Table.DistributionColumn || cluster.DistributionType != Table.KeyType.SqlType())
            {
                _refused.Add($"table '{name}': the model distributes it by \"{Table.DistributionColumn}\" ({Table.KeyType.SqlType()}), the cluster by \"{cluster.DistributionColumn}\" ({cluster.DistributionType}). {Never}");
            }

            if (cluster.ColocationGroup != Table.ColocationGroup)
            {
                _refused.Add($"table '{name}': the model puts it in colocation group '{Table.ColocationGroup}', the cluster in '{cluster.ColocationGroup}'. {Never}");
            }
        }

        if (_refused.Count > 0)
        {
            return;
        }

        if (!cluster.PrimaryKey.SequenceEqual(Table.PrimaryKey, StringComparer.Ordinal))
        {
            var text = $"table '{name}': the model's primary key is ({string.Join(", ", Table.PrimaryKey)}), the cluster's ({string.Join(", ", cluster.PrimaryKey)})";
            _breaking.Add(text + ": this model's upserts name another key. Apply the model first (a destructive change)");
            _destructive.Add(text);
            Destructive.PrimaryKey = true;
        }

        CompareColumns(cluster);
        CompareItems(cluster.CheckConstraints, Table.CheckConstraints, c => c.Name, "check constraint", AddChecks, Destructive.DropConstraints, Destructive.RemakeChecks);
        CompareItems(cluster.ForeignKeys, Table.ForeignKeys, c => c.Name, "foreign key", AddForeignKeys, Destructive.DropConstraints, Destructive.RemakeForeignKeys);
        CompareItems(cluster.UniqueConstraints, Table.UniqueConstraints, c => c.Name, "unique constraint", AddUniques, Destructive.DropConstraints, Destructive.RemakeUniques);
        CompareItems(cluster.Indexes, Table.Indexes, c => c.Name, "index", AddIndexes, Destructive.DropIndexes, Destructive.RemakeIndexes);
    }

    private void CompareColumns(TableShape cluster)
    {
        var name = Table.Name;
        var clusterColumns = cluster.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var column in Table.Columns)
        {
            if (!clusterColumns.Remove(column.Name, out var existing))
            {
                _breaking.Add($"table '{name}': the model has column \"{column.Name}\" ({Describe(column)}), the cluster's table does not. "
                    + "If this model is newer than the cluster's, apply it first with ApplySchemaAsync (from one process, before this binary serves calls); "
                    + "if the column was dropped from the cluster, this process is older than the cluster's model and cannot run against it");
                if (column.IsNullable || column.DefaultSql is not null)
                {
                    AddColumns.Add(column);
                }
                else
                {
                    _refused.Add($"table '{name}': the model adds column \"{column.Name}\" ({Describe(column)}), which ApplySchemaAsync cannot add: the table's rows would have no value for it. "
                        + "Give it a default ([Default] or [DefaultSql]), or make the property nullable");
                }

                continue;
            }

            if (existing.SqlType != column.SqlType)
            {
                var text = $"table '{name}': column \"{column.Name}\" is {column.SqlType} in the model, {existing.SqlType} in the cluster";

                // Another modifier of the same type (numeric(12,2) for numeric(10,2)) is read and written as before: a
                // process with either model runs; only the apply that changes it needs the opt-in.
                if (!SqlTypeName.DiffersOnlyInModifier(existing.SqlType, column.SqlType))
                {
                    _breaking.Add(text + ": this model's reads and writes of it would fail");
                }

                _destructive.Add(text + " (the change rewrites every copy of the table, casting each value)");
                Destructive.AlterTypes.Add(column);
            }

            if (existing.IsNullable != column.IsNullable)
            {
                var text = $"table '{name}': column \"{column.Name}\" is {(column.IsNullable ? "nullable" : "NOT NULL")} in the model, {(existing.IsNullable ? "nullable" : "NOT NULL")} in the cluster";
                _breaking.Add(text + (column.IsNullable ? ": this model's writes of NULL would fail" : ": rows with NULL in it would not read"));
                _destructive.Add(text);
                Destructive.AlterNullability.Add(column);
            }

            if (column.DefaultSql is not null && column.DefaultSql != existing.DefaultSql)
            {
                SetDefaults.Add(column);
            }
            else if (column.DefaultSql is null && existing.DefaultSql is not null)
            {
                // Kept without the opt-in: a process built before the model dropped the default may still rely on it.
                Destructive.DropDefaults.Add(column.Name);
            }
        }

        // What is left is the cluster's alone: left out by this model's INSERTs, which a NOT NULL column without a default refuses.
        foreach (var extra in cluster.Columns.Where(c => clusterColumns.ContainsKey(c.Name)))
        {
            // Kept without the opt-in (an older model's apply changes nothing); dropped with it.
            Destructive.DropColumns.Add(extra.Name);
            if (!extra.IsNullable && extra.DefaultSql is null)
            {
                _breaking.Add($"table '{name}': the cluster's table has column \"{extra.Name}\" ({Describe(extra)}), which the model does not: this model's INSERTs leave it out and would fail. "
                    + "If the model dropped the property, keep it until the column has a default or is dropped; if this process is older than the cluster's model, deploy the newer one");
            }
        }
    }

    // Indexes and constraints are matched by name: the model's that the cluster lacks are added; one whose definition
    // changed is made again (refused without the opt-in), and one the model no longer has is dropped with the opt-in.
    private void CompareItems<T>(IReadOnlyList<T> cluster, IReadOnlyList<T> model, Func<T, string> nameOf, string what, List<T> add, List<string> drop, List<T> remake)
        where T : class
    {
        var clusterByName = cluster.ToDictionary(nameOf, StringComparer.Ordinal);
        foreach (var item in model)
        {
            if (!clusterByName.Remove(nameOf(item), out var existing))
            {
                add.Add(item);
            }
            else if (CanonicalText.Of(Single(item)) != CanonicalText.Of(Single(existing)))
            {
                drop.Add(nameOf(item));
                remake.Add(item);
                _destructive.Add($"table '{Table.Name}': {what} \"{nameOf(item)}\" has another definition in the model than in the cluster (it is dropped and made again; give the new one another name to build it online instead)");
            }
        }

        // Kept without the opt-in (an older model's apply changes nothing); dropped with it.
        drop.AddRange(clusterByName.Keys);
    }

    // A shape holding only one index or constraint, to compare two definitions by their canonical text.
    private TableShape Single<T>(T item) => new(Table.Name, TableKind.Local, null, null, null, [], [])
    {
        Indexes = item is IndexDefinition index ? [index] : [],
        UniqueConstraints = item is UniqueConstraintDefinition unique ? [unique] : [],
        CheckConstraints = item is CheckConstraintDefinition check ? [check] : [],
        ForeignKeys = item is ForeignKeyDefinition key ? [key] : [],
    };

    private static string Describe(ColumnDefinition column) =>
        column.SqlType + (column.IsNullable ? ", nullable" : " NOT NULL") + (column.DefaultSql is { } sql ? " DEFAULT " + sql : "");

    private static string Kind(TableKind kind) => kind.ToString().ToLowerInvariant();
}

/// <summary>The destructive part of a table's migration, made only with <see cref="SchemaApplyOptions.AllowDestructiveChanges"/>.</summary>
internal sealed class DestructiveChanges
{
    public List<string> DropColumns { get; } = [];

    public List<ColumnDefinition> AlterTypes { get; } = [];

    public List<ColumnDefinition> AlterNullability { get; } = [];

    public List<string> DropDefaults { get; } = [];

    public bool PrimaryKey { get; set; }

    /// <summary>Constraints the model no longer has or whose definition changed (dropped first).</summary>
    public List<string> DropConstraints { get; } = [];

    public List<string> DropIndexes { get; } = [];

    public List<CheckConstraintDefinition> RemakeChecks { get; } = [];

    public List<ForeignKeyDefinition> RemakeForeignKeys { get; } = [];

    public List<UniqueConstraintDefinition> RemakeUniques { get; } = [];

    public List<IndexDefinition> RemakeIndexes { get; } = [];

    public bool Any => DropColumns.Count + AlterTypes.Count + AlterNullability.Count + DropDefaults.Count + DropConstraints.Count + DropIndexes.Count
        + RemakeChecks.Count + RemakeForeignKeys.Count + RemakeUniques.Count + RemakeIndexes.Count > 0 || PrimaryKey;
}
