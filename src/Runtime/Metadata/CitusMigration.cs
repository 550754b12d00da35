using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// Brings the tables a Citus cluster has to the compiled model, through the coordinator, which propagates every statement
/// to the shards and reference copies. What the cluster has is read from PostgreSQL's catalogs on the coordinator (Citus
/// keeps no record of the model): each column's nullability and whether it has a default, the constraints and indexes by
/// name. The phases are the native engine's (<see cref="SchemaMigration"/>): columns, defaults, check and foreign-key
/// constraints (<c>NOT VALID</c>) and unique constraints in apply's transaction; indexes with
/// <c>CREATE INDEX CONCURRENTLY</c>; validation; hand-written steps, each recorded in <c>shardgen.migration_steps</c> on
/// the coordinator; destructive changes with the opt-in. See docs/citus.md.
/// </summary>
internal static class CitusMigration
{
    private const long OnlineLockKey = 0x5348_4152_4443_4958; // "SHARDCIX"

    private const string StateSql = """
        SELECT m.name, 'column', a.attname, a.attnotnull, d.adbin IS NOT NULL
          FROM unnest($1::text[]) AS m(name)
          JOIN pg_attribute a ON a.attrelid = to_regclass(quote_ident(m.name)) AND a.attnum > 0 AND NOT a.attisdropped
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        UNION ALL
        SELECT m.name, 'constraint:' || con.contype::text, con.conname, con.convalidated, false
          FROM unnest($1::text[]) AS m(name)
          JOIN pg_constraint con ON con.conrelid = to_regclass(quote_ident(m.name))
        UNION ALL
        SELECT m.name, 'index', i.relname, x.indisvalid, EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = x.indexrelid)
          FROM unnest($1::text[]) AS m(name)
          JOIN pg_index x ON x.indrelid = to_regclass(quote_ident(m.name))
          JOIN pg_class i ON i.oid = x.indexrelid
        """;

    /// <summary>What one table has on the coordinator.</summary>
    private sealed class TableState
    {
        public Dictionary<string, (bool NotNull, bool HasDefault)> Columns { get; } = new(StringComparer.Ordinal);

        /// <summary>By name: PostgreSQL's constraint type (<c>p</c>, <c>u</c>, <c>c</c>, <c>f</c>, ...) and whether it is validated.</summary>
        public Dictionary<string, (string Type, bool Validated)> Constraints { get; } = new(StringComparer.Ordinal);

        /// <summary>By name: whether it is valid, and whether it backs a constraint (a primary key's, a unique constraint's).</summary>
        public Dictionary<string, (bool Valid, bool BacksConstraint)> Indexes { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The statements of every phase, in order, for the tables the cluster has (the missing ones are created first, by the caller).</summary>
    private sealed class Plan
    {
        public List<string> Columns { get; } = [];

        public List<(string Index, string Sql, bool DropFirst)> Indexes { get; } = [];

        public List<string> Validation { get; } = [];

        public List<(MigrationStep Step, string Sql)> Steps { get; } = [];

        public List<string> Destructive { get; } = [];
    }

    /// <summary>The additive phase, in apply's transaction (after the tables it creates): columns, defaults, constraints.</summary>
    public static async Task AddColumnsAndConstraintsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaDefinition schema, CitusTopology topology, Node coordinator, CancellationToken cancellationToken)
    {
        var plan = PlanOf(schema, topology, await ReadStateAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false), [], [], allowDestructive: false);
        foreach (var statement in plan.Columns)
        {
            await ExecuteAsync(connection, transaction, statement, coordinator, "columns", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The phases after apply's transaction: indexes, validation, hand-written steps, destructive changes.</summary>
    public static async Task RunAfterAsync(NpgsqlConnection connection, SchemaDefinition schema, CitusTopology topology, Node coordinator, SchemaApplyOptions options, IReadOnlyList<MigrationStep> steps, CancellationToken cancellationToken)
    {
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { CommandTimeout = 0 })
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = OnlineLockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var plan = PlanOf(schema, topology, await ReadStateAsync(connection, null, schema, cancellationToken).ConfigureAwait(false), [], [], allowDestructive: false);
            foreach (var (index, sql, dropFirst) in plan.Indexes)
            {
                if (dropFirst)
                {
                    await ExecuteAsync(connection, null, $"DROP INDEX CONCURRENTLY IF EXISTS {Identifiers.Quote(index)}", coordinator, "indexes", cancellationToken).ConfigureAwait(false);
                }

                await ExecuteAsync(connection, null, sql, coordinator, "indexes", cancellationToken).ConfigureAwait(false);
            }

            foreach (var statement in plan.Validation)
            {
                await ExecuteAsync(connection, null, statement, coordinator, "validation", cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
                unlock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = OnlineLockKey });
                await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        if (steps.Count > 0)
        {
            // Under the lock: two processes creating the schema at once would collide on its name.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await LockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await using (var create = new NpgsqlCommand(MetadataStore.MigrationStepsDdl, connection, transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var step in steps)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await LockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (await AppliedAsync(connection, transaction, step, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, StepSql(step), coordinator, "steps", cancellationToken).ConfigureAwait(false);
            await using (var record = new NpgsqlCommand("INSERT INTO shardgen.migration_steps (step_id, table_name) VALUES ($1, $2)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = step.Id });
                record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = step.Table });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (options.AllowDestructiveChanges)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await LockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var plan = PlanOf(schema, topology, await ReadStateAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false), [], [], allowDestructive: true);
            foreach (var statement in plan.Destructive)
            {
                await ExecuteAsync(connection, transaction, statement, coordinator, "destructive", cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The dry run: every phase's statements on the coordinator, from the catalogs as they are.</summary>
    public static async Task<IEnumerable<SchemaPlanStatement>> PlanAsync(NpgsqlConnection connection, SchemaDefinition schema, CitusTopology topology, Node coordinator, SchemaApplyOptions options, IReadOnlyList<MigrationStep> steps, CancellationToken cancellationToken)
    {
        var state = await ReadStateAsync(connection, null, schema, cancellationToken).ConfigureAwait(false);
        var applied = new List<MigrationStep>();
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('shardgen.migration_steps') IS NOT NULL", connection))
        {
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                foreach (var step in steps)
                {
                    if (await AppliedAsync(connection, null, step, cancellationToken).ConfigureAwait(false))
                    {
                        applied.Add(step);
                    }
                }
            }
        }

        var plan = PlanOf(schema, topology, state, steps, applied, options.AllowDestructiveChanges);
        var node = coordinator.Name;
        return plan.Columns.Select(s => new SchemaPlanStatement(SchemaMigration.Columns, node, s))
            .Concat(plan.Indexes.Select(i => new SchemaPlanStatement(SchemaMigration.Indexes, node, i.Sql)))
            .Concat(plan.Validation.Select(s => new SchemaPlanStatement(SchemaMigration.Validation, node, s)))
            .Concat(plan.Steps.Select(s => new SchemaPlanStatement(SchemaMigration.Steps, node, s.Sql)))
            .Concat(plan.Destructive.Select(s => new SchemaPlanStatement(SchemaMigration.Destructive, node, s)));
    }

    private static Plan PlanOf(SchemaDefinition schema, CitusTopology topology, Dictionary<string, TableState> state, IReadOnlyList<MigrationStep> steps, List<MigrationStep> applied, bool allowDestructive)
    {
        var plan = new Plan();
        foreach (var table in schema.Tables)
        {
            if (!state.TryGetValue(table.Name, out var have))
            {
                continue;
            }

            var name = Identifiers.Quote(table.Name);
            var alters = new List<string>();
            foreach (var column in table.Columns)
            {
                if (!have.Columns.TryGetValue(column.Name, out var existing))
                {
                    if (column.IsNullable || column.DefaultSql is not null)
                    {
                        alters.Add("ADD COLUMN IF NOT EXISTS " + TableDdl.Column(column));
                    }
                }
                else if (column.DefaultSql is not null && !existing.HasDefault)
                {
                    alters.Add($"ALTER COLUMN {Identifiers.Quote(column.Name)} SET DEFAULT {column.DefaultSql}");
                }
            }

            if (alters.Count > 0)
            {
                plan.Columns.Add($"ALTER TABLE {name} " + string.Join(", ", alters));
            }

            plan.Columns.AddRange(table.CheckConstraints.Where(c => !have.Constraints.ContainsKey(c.Name)).Select(c => TableDdl.AddCheck(c, table.Name, null)));
            plan.Columns.AddRange(table.ForeignKeys.Where(k => !have.Constraints.ContainsKey(k.Name)).Select(k => TableDdl.AddForeignKey(k, table.Name, null, k.ReferencedTable, notValid: true)));
            plan.Columns.AddRange(table.UniqueConstraints.Where(u => !have.Constraints.ContainsKey(u.Name))
                .Select(u => $"ALTER TABLE {name} ADD CONSTRAINT {Identifiers.Quote(u.Name)} UNIQUE ({string.Join(", ", u.Columns.Select(Identifiers.Quote))})"));

            foreach (var index in table.Indexes)
            {
                var found = have.Indexes.TryGetValue(index.Name, out var existing);
                if (!found || !existing.Valid)
                {
                    plan.Indexes.Add((index.Name, TableDdl.CreateIndex(index, table.Name, null, concurrently: true), found));
                }
            }

            var modelConstraints = table.CheckConstraints.Select(c => c.Name).Concat(table.ForeignKeys.Select(k => k.Name)).ToHashSet(StringComparer.Ordinal);
            plan.Validation.AddRange(have.Constraints.Where(c => !c.Value.Validated && modelConstraints.Contains(c.Key))
                .Select(c => $"ALTER TABLE {name} VALIDATE CONSTRAINT {Identifiers.Quote(c.Key)}"));
            plan.Validation.AddRange(table.CheckConstraints.Select(c => c.Name).Concat(table.ForeignKeys.Select(k => k.Name))
                .Where(c => !have.Constraints.ContainsKey(c)).Select(c => $"ALTER TABLE {name} VALIDATE CONSTRAINT {Identifiers.Quote(c)}"));

            if (allowDestructive)
            {
                plan.Destructive.AddRange(DestructiveOf(table, have, topology));
            }
        }

        plan.Steps.AddRange(steps.Where(s => !applied.Contains(s)).Select(s => (s, StepSql(s))));
        return plan;
    }

    // Constraints and indexes the model does not have are dropped (never a primary key, nor an index that backs a
    // constraint: dropping the constraint drops it), then columns the model does not have; type and nullability follow
    // the model, and a default the model does not have is dropped. Citus refuses to change the distribution column.
    private static IEnumerable<string> DestructiveOf(TableDefinition table, TableState have, CitusTopology topology)
    {
        var name = Identifiers.Quote(table.Name);
        var constraints = table.CheckConstraints.Select(c => c.Name).Concat(table.ForeignKeys.Select(k => k.Name)).Concat(table.UniqueConstraints.Select(u => u.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var (constraint, (type, _)) in have.Constraints)
        {
            if (type is "c" or "f" or "u" && !constraints.Contains(constraint))
            {
                yield return $"ALTER TABLE {name} DROP CONSTRAINT IF EXISTS {Identifiers.Quote(constraint)}";
            }
        }

        var indexes = table.Indexes.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (index, (_, backs)) in have.Indexes)
        {
            if (!backs && !indexes.Contains(index))
            {
                yield return $"DROP INDEX IF EXISTS {Identifiers.Quote(index)}";
            }
        }

        var model = table.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var alters = new List<string>();
        foreach (var change in topology.TypeChanges.Where(t => t.Table == table))
        {
            alters.Add($"ALTER COLUMN {Identifiers.Quote(change.Column.Name)} TYPE {change.Column.SqlType} USING {Identifiers.Quote(change.Column.Name)}::{change.Column.SqlType}");
        }

        foreach (var (column, (notNull, hasDefault)) in have.Columns)
        {
            if (!model.TryGetValue(column, out var wanted))
            {
                alters.Add($"DROP COLUMN IF EXISTS {Identifiers.Quote(column)}");
                continue;
            }

            if (notNull == wanted.IsNullable)
            {
                alters.Add($"ALTER COLUMN {Identifiers.Quote(column)} {(wanted.IsNullable ? "DROP" : "SET")} NOT NULL");
            }

            if (hasDefault && wanted.DefaultSql is null)
            {
                alters.Add($"ALTER COLUMN {Identifiers.Quote(column)} DROP DEFAULT");
            }
        }

        if (alters.Count > 0)
        {
            yield return $"ALTER TABLE {name} " + string.Join(", ", alters);
        }
    }

    private static string StepSql(MigrationStep step) => step.Sql.Replace(MigrationStep.TablePlaceholder, Identifiers.Quote(step.Table), StringComparison.Ordinal);

    private static async Task<Dictionary<string, TableState>> ReadStateAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaDefinition schema, CancellationToken cancellationToken)
    {
        var state = new Dictionary<string, TableState>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(StateSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = schema.Tables.Select(t => t.Name).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            if (!state.TryGetValue(table, out var have))
            {
                state[table] = have = new TableState();
            }

            var (kind, name, flag, other) = (reader.GetString(1), reader.GetString(2), reader.GetBoolean(3), reader.GetBoolean(4));
            if (kind == "column")
            {
                have.Columns[name] = (flag, other);
            }
            else if (kind == "index")
            {
                have.Indexes[name] = (flag, other);
            }
            else
            {
                have.Constraints[name] = (kind["constraint:".Length..], flag);
            }
        }

        return state;
    }

    private static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction) { CommandTimeout = 0 };
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = CitusCatalog.ApplyLockKey });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> AppliedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, MigrationStep step, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT FROM shardgen.migration_steps WHERE step_id = $1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = step.Id });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, Node coordinator, string phase, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw new ShardGenException(
                $"The {phase} phase of the schema migration failed on the Citus coordinator {coordinator}: {ex.MessageText}{(ex.TableName is { } t ? $" (table \"{t}\"{(ex.ConstraintName is { } c ? $", constraint \"{c}\"" : "")})" : "")}. "
                + (transaction is null
                    ? "What this phase finished stays; run ApplySchemaAsync again to go on (an interrupted index build is cleaned up and made again)."
                    : "Nothing of this phase was changed; run ApplySchemaAsync again."), ex);
        }
    }
}
