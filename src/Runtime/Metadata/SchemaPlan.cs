using System.Text;

namespace ShardGen;

/// <summary>How <see cref="ShardedDataSource.ApplySchemaAsync(SchemaApplyOptions, CancellationToken)"/> may change the cluster.</summary>
public sealed class SchemaApplyOptions
{
    /// <summary>The default: additive changes only.</summary>
    public static SchemaApplyOptions Default { get; } = new();

    /// <summary>
    /// Also make the destructive changes the model calls for: drop the columns, indexes, constraints and tables the model
    /// no longer has, change column types (casting every value, rewriting every copy of the table) and nullability,
    /// change a primary key, and remake indexes and constraints whose definition changed under the same name. Off by
    /// default: without it such a change of the model is refused, and what the cluster has beyond the model is kept.
    /// Apply destructively only from the newest model: an older one would drop what a newer one added.
    /// </summary>
    public bool AllowDestructiveChanges { get; init; }
}

/// <summary>
/// A hand-written step of a migration, for what no difference of models can express (a backfill, a data fix): its
/// <see cref="Sql"/> runs on every physical copy of <see cref="Table"/> — each shard table on its worker, every copy of a
/// reference table, the coordinator's local table — with <c>{table}</c> replaced by the copy's quoted name, all copies
/// in one distributed transaction that also records <see cref="Id"/>, so that a step runs exactly once in the cluster's
/// life. Steps run in the order they were added, after the additive changes and before the destructive ones.
/// </summary>
/// <param name="Id">A unique, stable name of the step, e.g. <c>2026-12-03-backfill-note-tags</c>.</param>
/// <param name="Table">The table's name in the model (<c>NoteRepository.Definition.Name</c>).</param>
/// <param name="Sql">PostgreSQL statements naming the table as <c>{table}</c>, e.g. <c>UPDATE {table} SET tag = 'none' WHERE tag IS NULL</c>.
/// On a reference table they run on every copy, so they must give every copy the same result (no <c>now()</c> or <c>random()</c> in written values).</param>
public sealed record MigrationStep(string Id, string Table, string Sql)
{
    /// <summary>What <see cref="Sql"/> names the table by.</summary>
    public const string TablePlaceholder = "{table}";
}

/// <summary>One statement of a <see cref="SchemaPlan"/>.</summary>
/// <param name="Phase"><c>create</c>, <c>columns</c>, <c>indexes</c>, <c>unique constraints</c>, <c>validation</c>, <c>steps</c> or <c>destructive</c>.</param>
/// <param name="Node">The node it runs on (its name in the metadata).</param>
/// <param name="Sql">The statement.</param>
public sealed record SchemaPlanStatement(string Phase, string Node, string Sql);

/// <summary>
/// What an apply of the model would do, from the metadata as it is now, phase by phase and node by node: the dry run of
/// <see cref="ShardedDataSource.ApplySchemaAsync(SchemaApplyOptions, CancellationToken)"/>.
/// </summary>
public sealed class SchemaPlan
{
    internal SchemaPlan(IReadOnlyList<SchemaPlanStatement> statements, IReadOnlyList<string> refused)
    {
        Statements = statements;
        Refused = refused;
    }

    /// <summary>The statements, in the order they would run (the statements of one phase on different nodes run at the same time).</summary>
    public IReadOnlyList<SchemaPlanStatement> Statements { get; }

    /// <summary>What an apply with these options refuses, naming table and column; when any, an apply changes nothing.</summary>
    public IReadOnlyList<string> Refused { get; }

    /// <summary>Whether an apply would change nothing.</summary>
    public bool IsEmpty => Statements.Count == 0 && Refused.Count == 0;

    /// <summary>The plan as a script a reviewer reads: each phase, each node's statements under a comment naming it.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var refused in Refused)
        {
            text.Append("-- refused: ").Append(refused).Append('\n');
        }

        string? phase = null, node = null;
        foreach (var statement in Statements)
        {
            if (statement.Phase != phase)
            {
                phase = statement.Phase;
                node = null;
                text.Append("\n-- phase: ").Append(phase).Append('\n');
            }

            if (statement.Node != node)
            {
                node = statement.Node;
                text.Append("-- on ").Append(node).Append('\n');
            }

            text.Append(statement.Sql).Append(";\n");
        }

        return text.Length == 0 ? "-- nothing to do\n" : text.ToString();
    }
}
