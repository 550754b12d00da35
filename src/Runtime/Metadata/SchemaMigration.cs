using System.Globalization;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// Brings the tables the native cluster has to the compiled model, after an apply registered and created what was new.
/// The difference between each table's recorded shape and the model (<see cref="TableComparison"/>) runs in phases:
/// <list type="number">
/// <item><b>columns</b>: new columns, defaults, and check and foreign-key constraints <c>NOT VALID</c>, on every copy in one
/// distributed transaction (two-phase commit, the coordinator's part deciding) that also records the new shape;</item>
/// <item><b>indexes</b>: each new index (and the unique index of each new unique constraint) built with
/// <c>CREATE INDEX CONCURRENTLY</c>, copy by copy, so that writes go on; an invalid leftover of a build that was
/// interrupted is dropped first. Then the unique constraints are made of their indexes, and the shape recorded, in one
/// distributed transaction;</item>
/// <item><b>validation</b>: every constraint still <c>NOT VALID</c> on a copy is validated, without blocking writes;</item>
/// <item><b>steps</b>: each hand-written <see cref="MigrationStep"/> not run yet, on every copy of its table and recorded,
/// in one distributed transaction per step (so it runs exactly once);</item>
/// <item><b>destructive</b> (only with <see cref="SchemaApplyOptions.AllowDestructiveChanges"/>): drops, type and
/// nullability changes, a new primary key, indexes and constraints remade, tables the model no longer has, in one
/// distributed transaction.</item>
/// </list>
/// Every phase reads the metadata again under a lock and does what is still missing, so a migration that stopped (a
/// crash, a lost node, a cancelled call) is finished by the next apply, and several processes applying at once take
/// turns. See "Changing the model" in docs/schema.md.
/// </summary>
internal static class SchemaMigration
{
    /// <summary>The session lock the online phases (indexes, unique constraints, validation) hold on the coordinator.</summary>
    public const long OnlineLockKey = 0x5348_4152_4447_4958; // "SHARDGIX"

    public const string Columns = "columns";
    public const string Indexes = "indexes";
    public const string Uniques = "unique constraints";
    public const string Validation = "validation";
    public const string Steps = "steps";
    public const string Destructive = "destructive";

    public static async Task RunAsync(ShardedDataSource source, SchemaApplyOptions options, IReadOnlyList<MigrationStep> steps, Func<MetadataRows, ShardMap> buildMap, CancellationToken cancellationToken)
    {
        var recorded = await ReadAsync(source, cancellationToken).ConfigureAwait(false);
        var current = buildMap(recorded);
        await Task.WhenAll(current.Workers.Prepend(current.Coordinator).Select(node => AddRecordedForeignKeysAsync(source, recorded, current, node, cancellationToken))).ConfigureAwait(false);
        await DistributedAsync(source, buildMap, Columns, (rows, map, _) => Task.FromResult(ColumnsWork(source.Schema, rows, map, options)), cancellationToken).ConfigureAwait(false);

        await using (var online = await source.OpenAsync(source.Coordinator, cancellationToken).ConfigureAwait(false))
        {
            // Waited for as long as it takes: another process's builds, which leave this one nothing to do.
            await ExecuteAsync(online, "SELECT pg_advisory_lock($1)", cancellationToken, OnlineLockKey, timeout: 0).ConfigureAwait(false);
            try
            {
                var rows = await MetadataStore.ReadAsync(online, null, cancellationToken).ConfigureAwait(false);
                var map = buildMap(rows);
                var builds = ByNode(IndexWork(source.Schema, rows, map, options).Select(i => (i.Node, i)));
                await Task.WhenAll(builds.Select(b => BuildIndexesAsync(source, b.Key, b.Value, cancellationToken))).ConfigureAwait(false);
                await DistributedAsync(source, buildMap, Uniques, (rows, map, _) => Task.FromResult(UniquesWork(source.Schema, rows, map, options)), cancellationToken).ConfigureAwait(false);
                map = buildMap(await MetadataStore.ReadAsync(online, null, cancellationToken).ConfigureAwait(false));
                await Task.WhenAll(map.Workers.Prepend(map.Coordinator).Select(node => ValidateAsync(source, map, node, cancellationToken))).ConfigureAwait(false);
            }
            finally
            {
                // A broken connection has lost the lock with its session already.
                if (online.State == System.Data.ConnectionState.Open)
                {
                    await ExecuteAsync(online, "SELECT pg_advisory_unlock($1)", CancellationToken.None, OnlineLockKey).ConfigureAwait(false);
                }
            }
        }

        foreach (var step in steps)
        {
            await DistributedAsync(source, buildMap, Steps, (rows, map, coordinator) => StepWorkAsync(source.Schema, rows, map, step, coordinator, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        if (options.AllowDestructiveChanges)
        {
            await DistributedAsync(source, buildMap, Destructive, (rows, map, _) => Task.FromResult(DestructiveWork(source.Schema, rows, map)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What an apply would run, phase by phase and node by node, from the metadata as it is (nothing is changed).</summary>
    public static async Task<SchemaPlan> PlanAsync(ShardedDataSource source, NpgsqlConnection coordinator, MetadataRows rows, ShardMap map, SchemaApplyOptions options, IReadOnlyList<MigrationStep> steps, CancellationToken cancellationToken)
    {
        var statements = new List<SchemaPlanStatement>();
        var refused = new List<string>();
        foreach (var table in source.Schema.Tables)
        {
            if (!rows.Tables.Any(t => t.Name == table.Name))
            {
                statements.AddRange(CreatePlan(source.Schema, table, map.Coordinator, map.Workers));
            }
        }

        void Add(string phase, Work? work)
        {
            if (work is null)
            {
                return;
            }

            refused.AddRange(work.Refused);
            foreach (var (node, list) in work.Statements.OrderBy(s => s.Key, Comparer<Node>.Create(Node.SlotOrder)))
            {
                statements.AddRange(list.Select(sql => new SchemaPlanStatement(phase, node.Name, sql)));
            }
        }

        Add(Columns, ColumnsWork(source.Schema, rows, map, options));
        foreach (var build in IndexWork(source.Schema, rows, map, options))
        {
            statements.Add(new SchemaPlanStatement(Indexes, build.Node.Name, build.Sql));
        }

        Add(Uniques, UniquesWork(source.Schema, rows, map, options));
        foreach (var (table, comparison) in Comparisons(source.Schema, rows))
        {
            foreach (var name in comparison.AddChecks.Select(c => c.Name).Concat(comparison.AddForeignKeys.Select(k => k.Name)))
            {
                foreach (var (node, copy) in AllCopies(table, map))
                {
                    statements.Add(new SchemaPlanStatement(Validation, node.Name, TableDdl.ValidateConstraint(name, copy.Physical, copy.ShardId)));
                }
            }
        }

        foreach (var step in steps)
        {
            Add(Steps, await StepWorkAsync(source.Schema, rows, map, step, coordinator, cancellationToken).ConfigureAwait(false));
        }

        if (options.AllowDestructiveChanges)
        {
            Add(Destructive, DestructiveWork(source.Schema, rows, map));
        }

        return new SchemaPlan(statements, refused.Distinct().ToArray());
    }

    /// <summary>The statements of one distributed-transaction phase, by node, and the shapes it records.</summary>
    private sealed class Work
    {
        public Dictionary<Node, List<string>> Statements { get; } = [];

        public List<(string Table, TableShape Shape)> Records { get; } = [];

        /// <summary>Statements on the coordinator's metadata, after the records.</summary>
        public List<(string Sql, object[] Values)> Metadata { get; } = [];

        public List<string> Refused { get; } = [];

        public bool IsEmpty => Statements.Count == 0 && Records.Count == 0 && Metadata.Count == 0;

        public void Add(Node node, string sql)
        {
            if (!Statements.TryGetValue(node, out var list))
            {
                Statements[node] = list = [];
            }

            list.Add(sql);
        }
    }

    private sealed record IndexBuild(Node Node, string Table, string Index, string Sql);

    private static IEnumerable<(TableDefinition Table, TableComparison Comparison)> Comparisons(SchemaDefinition schema, MetadataRows rows)
    {
        var recorded = rows.Tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var table in schema.Tables)
        {
            if (recorded.TryGetValue(table.Name, out var row))
            {
                yield return (table, TableComparison.Of(table, row));
            }
        }
    }

    /// <summary>Every physical copy of <paramref name="table"/> under <paramref name="map"/>, with its node.</summary>
    private static IEnumerable<(Node Node, NativeDdl.Copy Copy)> AllCopies(TableDefinition table, ShardMap map) =>
        map.Workers.Prepend(map.Coordinator).SelectMany(node => NativeDdl.Copies(table, map, node).Select(copy => (node, copy)));

    private static Work ColumnsWork(SchemaDefinition schema, MetadataRows rows, ShardMap map, SchemaApplyOptions options)
    {
        var work = new Work();
        foreach (var (table, comparison) in Comparisons(schema, rows))
        {
            work.Refused.AddRange(comparison.ForApply(options.AllowDestructiveChanges));
            if (comparison.AddColumns.Count + comparison.SetDefaults.Count + comparison.AddChecks.Count + comparison.AddForeignKeys.Count == 0)
            {
                continue;
            }

            foreach (var (node, copy) in AllCopies(table, map))
            {
                var physical = Identifiers.Quote(copy.Physical);
                var changes = comparison.AddColumns.Select(c => "ADD COLUMN IF NOT EXISTS " + TableDdl.Column(c))
                    .Concat(comparison.SetDefaults.Select(c => $"ALTER COLUMN {Identifiers.Quote(c.Name)} SET DEFAULT {c.DefaultSql}"))
                    .ToArray();
                if (changes.Length > 0)
                {
                    work.Add(node, $"ALTER TABLE {physical} " + string.Join(", ", changes));
                }

                foreach (var check in comparison.AddChecks)
                {
                    work.Add(node, TableDdl.AddCheck(check, copy.Physical, copy.ShardId));
                }

                foreach (var key in comparison.AddForeignKeys)
                {
                    work.Add(node, TableDdl.AddForeignKey(key, copy.Physical, copy.ShardId, NativeDdl.ReferencedCopy(schema, map, key, copy.ShardIndex), notValid: true));
                }
            }

            work.Records.Add((table.Name, comparison.Additive(withIndexes: false)));
        }

        return work;
    }

    private static List<IndexBuild> IndexWork(SchemaDefinition schema, MetadataRows rows, ShardMap map, SchemaApplyOptions options)
    {
        var builds = new List<IndexBuild>();
        foreach (var (table, comparison) in Comparisons(schema, rows))
        {
            if (comparison.ForApply(options.AllowDestructiveChanges).Any())
            {
                continue;
            }

            foreach (var index in comparison.AddIndexes.Concat(comparison.AddUniques.Select(TableDdl.UniqueIndex)))
            {
                foreach (var (node, copy) in AllCopies(table, map))
                {
                    builds.Add(new IndexBuild(node, copy.Physical, TableDdl.ObjectName(index.Name, copy.ShardId), TableDdl.CreateIndex(index, copy.Physical, copy.ShardId, concurrently: true)));
                }
            }
        }

        return builds;
    }

    private static Work UniquesWork(SchemaDefinition schema, MetadataRows rows, ShardMap map, SchemaApplyOptions options)
    {
        var work = new Work();
        foreach (var (table, comparison) in Comparisons(schema, rows))
        {
            work.Refused.AddRange(comparison.ForApply(options.AllowDestructiveChanges));
            if (comparison.AddIndexes.Count + comparison.AddUniques.Count == 0)
            {
                continue;
            }

            foreach (var unique in comparison.AddUniques)
            {
                foreach (var (node, copy) in AllCopies(table, map))
                {
                    work.Add(node, TableDdl.AddUniqueUsingIndex(unique, copy.Physical, copy.ShardId));
                }
            }

            work.Records.Add((table.Name, comparison.Additive(withIndexes: true)));
        }

        return work;
    }

    private static async Task<Work> StepWorkAsync(SchemaDefinition schema, MetadataRows rows, ShardMap map, MigrationStep step, NpgsqlConnection coordinator, CancellationToken cancellationToken)
    {
        var work = new Work();
        await using (var command = new NpgsqlCommand("SELECT EXISTS (SELECT FROM shardgen.migration_steps WHERE step_id = $1)", coordinator))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = step.Id });
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return work;
            }
        }

        if (!schema.TryGetTable(step.Table, out var table) || !rows.Tables.Any(t => t.Name == step.Table))
        {
            work.Refused.Add($"migration step '{step.Id}' is for table '{step.Table}', which is not in the model and the cluster");
            return work;
        }

        foreach (var (node, copy) in AllCopies(table, map))
        {
            work.Add(node, step.Sql.Replace(MigrationStep.TablePlaceholder, Identifiers.Quote(copy.Physical), StringComparison.Ordinal));
        }

        work.Metadata.Add(("INSERT INTO shardgen.migration_steps (step_id, table_name) VALUES ($1, $2)", [step.Id, step.Table]));
        return work;
    }

    private static Work DestructiveWork(SchemaDefinition schema, MetadataRows rows, ShardMap map)
    {
        var work = new Work();
        foreach (var (table, comparison) in Comparisons(schema, rows))
        {
            work.Refused.AddRange(comparison.ForApply(allowDestructive: true));
            var changes = comparison.Destructive;
            if (!changes.Any)
            {
                continue;
            }

            foreach (var (node, copy) in AllCopies(table, map))
            {
                var physical = Identifiers.Quote(copy.Physical);
                string Name(string name) => Identifiers.Quote(TableDdl.ObjectName(name, copy.ShardId));
                foreach (var name in changes.DropConstraints)
                {
                    work.Add(node, $"ALTER TABLE {physical} DROP CONSTRAINT IF EXISTS {Name(name)}");
                }

                foreach (var name in changes.DropIndexes)
                {
                    work.Add(node, $"DROP INDEX IF EXISTS {Name(name)}");
                }

                if (changes.PrimaryKey)
                {
                    // The primary key's name is PostgreSQL's (the table's, shortened to fit): read it where it is.
                    work.Add(node, "DO $sg$DECLARE key name; BEGIN SELECT conname INTO key FROM pg_constraint WHERE conrelid = "
                        + Identifiers.Literal(physical) + "::regclass AND contype = 'p'; IF key IS NOT NULL THEN EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', "
                        + Identifiers.Literal(copy.Physical) + ", key); END IF; END$sg$");
                    work.Add(node, $"ALTER TABLE {physical} ADD PRIMARY KEY ({string.Join(", ", table.PrimaryKey.Select(Identifiers.Quote))})");
                }

                var alters = changes.AlterTypes.Select(c => $"ALTER COLUMN {Identifiers.Quote(c.Name)} TYPE {c.SqlType} USING {Identifiers.Quote(c.Name)}::{c.SqlType}")
                    .Concat(changes.AlterNullability.Select(c => $"ALTER COLUMN {Identifiers.Quote(c.Name)} {(c.IsNullable ? "DROP" : "SET")} NOT NULL"))
                    .Concat(changes.DropDefaults.Select(c => $"ALTER COLUMN {Identifiers.Quote(c)} DROP DEFAULT"))
                    .Concat(changes.DropColumns.Select(c => $"DROP COLUMN IF EXISTS {Identifiers.Quote(c)}"))
                    .ToArray();
                if (alters.Length > 0)
                {
                    work.Add(node, $"ALTER TABLE {physical} " + string.Join(", ", alters));
                }

                foreach (var check in changes.RemakeChecks)
                {
                    work.Add(node, TableDdl.AddCheck(check, copy.Physical, copy.ShardId)[..^" NOT VALID".Length]);
                }

                foreach (var unique in changes.RemakeUniques)
                {
                    work.Add(node, $"ALTER TABLE {physical} ADD CONSTRAINT {Name(unique.Name)} UNIQUE ({string.Join(", ", unique.Columns.Select(Identifiers.Quote))})");
                }

                foreach (var index in changes.RemakeIndexes)
                {
                    work.Add(node, TableDdl.CreateIndex(index, copy.Physical, copy.ShardId, concurrently: false));
                }

                foreach (var key in changes.RemakeForeignKeys)
                {
                    work.Add(node, TableDdl.AddForeignKey(key, copy.Physical, copy.ShardId, NativeDdl.ReferencedCopy(schema, map, key, copy.ShardIndex), notValid: false));
                }
            }

            work.Records.Add((table.Name, comparison.Final()));
        }

        // Tables the cluster has and the model does not: every copy dropped, and the metadata's rows of them.
        var nodeNames = rows.Nodes.ToDictionary(n => n.Id, n => n.Name);
        var nodes = map.Workers.Prepend(map.Coordinator).ToDictionary(n => n.Name, StringComparer.Ordinal);
        foreach (var row in rows.Tables.Where(t => !schema.TryGetTable(t.Name, out _)))
        {
            switch (row.Kind)
            {
                case "distributed":
                    foreach (var shard in rows.Shards.Where(s => s.Table == row.Name))
                    {
                        work.Add(nodes[nodeNames[shard.NodeId]], $"DROP TABLE IF EXISTS {Identifiers.Quote(Identifiers.ShardTable(row.Name, shard.ShardId))}");
                    }

                    break;
                case "reference":
                    foreach (var node in map.Workers.Prepend(map.Coordinator))
                    {
                        work.Add(node, $"DROP TABLE IF EXISTS {Identifiers.Quote(row.Name)}");
                    }

                    break;
                default:
                    work.Add(map.Coordinator, $"DROP TABLE IF EXISTS {Identifiers.Quote(row.Name)}");
                    break;
            }

            work.Metadata.Add(("DELETE FROM shardgen.placements WHERE shard_id IN (SELECT shard_id FROM shardgen.shards WHERE table_name = $1)", [row.Name]));
            work.Metadata.Add(("DELETE FROM shardgen.shards WHERE table_name = $1", [row.Name]));
            work.Metadata.Add(("DELETE FROM shardgen.tables WHERE table_name = $1", [row.Name]));
        }

        return work;
    }

    /// <summary>A table new to the cluster, for the plan: its statements as an apply creates them (a distributed table's
    /// once per shard, <c>{shardid}</c>, <c>{min}</c> and <c>{max}</c> given by the apply), its foreign keys after.</summary>
    internal static IEnumerable<SchemaPlanStatement> CreatePlan(SchemaDefinition schema, TableDefinition table, Node coordinator, IReadOnlyList<Node> workers)
    {
        var shape = TableShape.Of(table);
        if (table.Kind == TableKind.Distributed)
        {
            const string EachShard = "each worker, once per shard";
            var physical = table.Name + "_{shardid}";
            yield return new SchemaPlanStatement("create", EachShard, TableDdl.CreateTable(shape with { UniqueConstraints = [.. shape.UniqueConstraints.Select(u => u with { Name = u.Name + "_{shardid}" })], CheckConstraints = [.. shape.CheckConstraints.Select(c => c with { Name = c.Name + "_{shardid}" })] },
                physical, null, $"CONSTRAINT {Identifiers.Quote(physical + "_hash_range")} CHECK ({table.KeyType.HashFunction()}({Identifiers.Quote(table.DistributionColumn!)}) BETWEEN {{min}} AND {{max}})"));
            foreach (var index in shape.Indexes)
            {
                yield return new SchemaPlanStatement("create", EachShard, TableDdl.CreateIndex(index with { Name = index.Name + "_{shardid}" }, physical, null, concurrently: false));
            }

            foreach (var key in shape.ForeignKeys)
            {
                var referenced = schema.TryGetTable(key.ReferencedTable, out var target) && target.Kind == TableKind.Distributed ? key.ReferencedTable + "_{shardid}" : key.ReferencedTable;
                yield return new SchemaPlanStatement(Columns, EachShard, TableDdl.AddForeignKey(key with { Name = key.Name + "_{shardid}" }, physical, null, referenced, notValid: true));
            }

            yield break;
        }

        foreach (var node in table.Kind == TableKind.Reference ? workers.Prepend(coordinator) : [coordinator])
        {
            yield return new SchemaPlanStatement("create", node.Name, TableDdl.CreateTable(shape, table.Name, null));
            foreach (var index in shape.Indexes)
            {
                yield return new SchemaPlanStatement("create", node.Name, TableDdl.CreateIndex(index, table.Name, null, concurrently: false));
            }

            foreach (var key in shape.ForeignKeys)
            {
                yield return new SchemaPlanStatement(Columns, node.Name, TableDdl.AddForeignKey(key, table.Name, null, key.ReferencedTable, notValid: true));
            }
        }
    }

    /// <summary>
    /// One distributed-transaction phase: every worker and the coordinator enlisted in order, apply's lock taken, the
    /// metadata read again, the work planned from it (nothing left: nothing done), run on every node at once, the shapes
    /// recorded and the version bumped, committed with two-phase commit.
    /// </summary>
    private static async Task DistributedAsync(
        ShardedDataSource source, Func<MetadataRows, ShardMap> buildMap, string phase,
        Func<MetadataRows, ShardMap, NpgsqlConnection, Task<Work>> plan, CancellationToken cancellationToken)
    {
        var known = source.CurrentShardMap ?? buildMap(await ReadAsync(source, cancellationToken).ConfigureAwait(false));
        var transaction = new ShardedTransaction(source, ShardedTransactionOptions.Default);
        await using (transaction.ConfigureAwait(false))
        {
            var coordinatorNode = source.Coordinator;
            var connectionOf = await transaction.EnlistInOrderAsync(
                known.Workers.Append(coordinatorNode), node => $"the {phase} phase on node '{node.Name}'", node => ex => Failed(source, phase, node, ex), cancellationToken).ConfigureAwait(false);
            var coordinator = connectionOf(coordinatorNode);
            await LockApplyAsync(coordinator, transaction.Options.LockTimeout, cancellationToken).ConfigureAwait(false);

            var rows = await MetadataStore.ReadAsync(coordinator, null, cancellationToken).ConfigureAwait(false);
            var work = await plan(rows, buildMap(rows), coordinator).ConfigureAwait(false);
            if (work.Refused.Count > 0)
            {
                throw new SchemaMismatchException(work.Refused);
            }

            if (work.IsEmpty)
            {
                return;
            }

            // A worker the first map did not have (added by another process since) is enlisted now, out of order:
            // it takes a connection only if one is free at once.
            var nodes = new List<(Node Node, NpgsqlConnection Connection, List<string> Statements)>();
            foreach (var (node, list) in work.Statements.OrderBy(s => s.Key, Comparer<Node>.Create(Node.SlotOrder)))
            {
                var connection = await transaction.ConnectionAsync(node, () => $"the {phase} phase on node '{node.Name}'", ex => Failed(source, phase, node, ex), cancellationToken).ConfigureAwait(false);
                nodes.Add((node, connection, list));
            }

            await Task.WhenAll(nodes.Select(n => RunOnNodeAsync(source, phase, n.Node, n.Connection, n.Statements, cancellationToken))).ConfigureAwait(false);

            await using (var record = new NpgsqlBatch(coordinator))
            {
                foreach (var (table, shape) in work.Records)
                {
                    var canonical = CanonicalText.Of(shape);
                    record.BatchCommands.Add(Command("UPDATE shardgen.tables SET canonical = $2, fingerprint = $3 WHERE table_name = $1", table, canonical, CanonicalText.Fingerprint(canonical)));
                }

                foreach (var (sql, values) in work.Metadata)
                {
                    record.BatchCommands.Add(Command(sql, values));
                }

                record.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE shardgen.metadata SET version = version + 1"));
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<MetadataRows> ReadAsync(ShardedDataSource source, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenAsync(source.Coordinator, cancellationToken).ConfigureAwait(false);
        return await MetadataStore.ReadAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    // Index builds of one node, one after the other (each already uses the server's parallel workers). A build that an
    // earlier run left behind invalid (interrupted) is dropped, concurrently too, and made again; a valid one is kept.
    private static async Task BuildIndexesAsync(ShardedDataSource source, Node node, List<IndexBuild> builds, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenAsync(node, cancellationToken).ConfigureAwait(false);
        foreach (var build in builds)
        {
            try
            {
                await using (var check = new NpgsqlCommand("SELECT NOT x.indisvalid FROM pg_index x WHERE x.indexrelid = to_regclass($1)", connection))
                {
                    check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Identifiers.Quote(build.Index) });
                    if (await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
                    {
                        await ExecuteAsync(connection, $"DROP INDEX CONCURRENTLY IF EXISTS {Identifiers.Quote(build.Index)}", cancellationToken, timeout: 0).ConfigureAwait(false);
                    }
                }

                await ExecuteAsync(connection, build.Sql, cancellationToken, timeout: 0).ConfigureAwait(false);
            }
            catch (Exception ex) when (Failures.IsServerFailure(ex))
            {
                throw new ShardGenException(
                    $"Building index \"{build.Index}\" of table \"{build.Table}\" on node '{node.Name}' ({node.Host}:{node.Port}) failed: {Failures.Underlying(ex, source.IncludeErrorDetail)}. "
                    + "Indexes already built stay; an interrupted build is cleaned up and made again by the next ApplySchemaAsync. "
                    + "A unique index fails when rows of the shard already hold duplicate values: remove them first.", ex);
            }
        }
    }

    // A copy made after the table's foreign keys were recorded (a new worker's reference copy) is created without them,
    // and filled; here it gets them, NOT VALID, validated below with every other.
    private static async Task AddRecordedForeignKeysAsync(ShardedDataSource source, MetadataRows rows, ShardMap map, Node node, CancellationToken cancellationToken)
    {
        var wanted = new List<(string Physical, string Constraint, string Sql)>();
        foreach (var (table, comparison) in Comparisons(source.Schema, rows))
        {
            foreach (var key in comparison.Recorded?.ForeignKeys ?? [])
            {
                foreach (var copy in NativeDdl.Copies(table, map, node))
                {
                    wanted.Add((copy.Physical, TableDdl.ObjectName(key.Name, copy.ShardId),
                        TableDdl.AddForeignKey(key, copy.Physical, copy.ShardId, NativeDdl.ReferencedCopy(source.Schema, map, key, copy.ShardIndex), notValid: true)));
                }
            }
        }

        if (wanted.Count == 0)
        {
            return;
        }

        await using var connection = await source.OpenAsync(node, cancellationToken).ConfigureAwait(false);
        var have = new HashSet<(string, string)>();
        await using (var command = new NpgsqlCommand(
            "SELECT c.relname, con.conname FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE con.conrelid IN (SELECT to_regclass(quote_ident(t)) FROM unnest($1) t)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = wanted.Select(w => w.Physical).Distinct().ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                have.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (physical, constraint, sql) in wanted.Where(w => !have.Contains((w.Physical, w.Constraint))))
        {
            try
            {
                await ExecuteAsync(connection, sql, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Failures.IsServerFailure(ex))
            {
                throw new ShardGenException(
                    $"Adding foreign key \"{constraint}\" to the new copy \"{physical}\" on node '{node.Name}' ({node.Host}:{node.Port}) failed: {Failures.Underlying(ex, source.IncludeErrorDetail)}. "
                    + "The copy's other foreign keys stay; run ApplySchemaAsync again.", ex);
            }
        }
    }

    // Constraints added NOT VALID (checked for new rows at once) are validated against the existing rows, each with a
    // lock that lets reads and writes go on. A violation leaves the constraint NOT VALID and fails the apply, naming it.
    private static async Task ValidateAsync(ShardedDataSource source, ShardMap map, Node node, CancellationToken cancellationToken)
    {
        var copies = source.Schema.Tables.SelectMany(t => NativeDdl.Copies(t, map, node)).Select(c => c.Physical).ToArray();
        if (copies.Length == 0)
        {
            return;
        }

        await using var connection = await source.OpenAsync(node, cancellationToken).ConfigureAwait(false);
        var pending = new List<(string Table, string Constraint)>();
        await using (var command = new NpgsqlCommand(
            "SELECT c.relname, con.conname FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE NOT con.convalidated AND con.conrelid IN (SELECT to_regclass(quote_ident(t)) FROM unnest($1) t)",
            connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = copies });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                pending.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (table, constraint) in pending)
        {
            try
            {
                await ExecuteAsync(connection, $"ALTER TABLE {Identifiers.Quote(table)} VALIDATE CONSTRAINT {Identifiers.Quote(constraint)}", cancellationToken, timeout: 0).ConfigureAwait(false);
            }
            catch (Exception ex) when (Failures.IsServerFailure(ex))
            {
                throw new ShardGenException(
                    $"Validating constraint \"{constraint}\" of table \"{table}\" on node '{node.Name}' ({node.Host}:{node.Port}) failed: {Failures.Underlying(ex, source.IncludeErrorDetail)}. "
                    + "The constraint stays NOT VALID (new and updated rows are checked); fix the existing rows and run ApplySchemaAsync again to validate it.", ex);
            }
        }
    }

    private static Dictionary<Node, List<T>> ByNode<T>(IEnumerable<(Node Node, T Item)> items)
    {
        var result = new Dictionary<Node, List<T>>();
        foreach (var (node, item) in items)
        {
            if (!result.TryGetValue(node, out var list))
            {
                result[node] = list = [];
            }

            list.Add(item);
        }

        return result;
    }

    // Apply's lock is waited for as long as it takes (as the apply that found the work did); the statements that follow
    // wait for their tables' locks no longer than a transaction does, so that a long transaction on a shard fails the
    // phase (nothing changed; run it again) rather than stall every call queued behind it.
    private static async Task LockApplyAsync(NpgsqlConnection coordinator, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(coordinator)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SET LOCAL lock_timeout = 0"),
                Command("SELECT pg_advisory_xact_lock($1)", MetadataStore.ApplyLockKey),
                new NpgsqlBatchCommand(string.Create(CultureInfo.InvariantCulture, $"SET LOCAL lock_timeout = {(long)Math.Ceiling(lockTimeout.TotalMilliseconds)}")),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task RunOnNodeAsync(ShardedDataSource source, string phase, Node node, NpgsqlConnection connection, List<string> statements, CancellationToken cancellationToken)
    {
        try
        {
            await using var batch = new NpgsqlBatch(connection) { Timeout = 0 };
            foreach (var statement in statements)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            throw Failed(source, phase, node, ex);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, long? lockKey = null, int? timeout = null)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (timeout is { } seconds)
        {
            command.CommandTimeout = seconds;
        }

        if (lockKey is { } key)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key });
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    private static ShardGenException Failed(ShardedDataSource source, string phase, Node node, Exception ex) =>
        new($"The {phase} phase of the schema migration failed on node '{node.Name}' ({node.Host}:{node.Port}): {Failures.Underlying(ex, source.IncludeErrorDetail)}. "
            + "Nothing of this phase was changed on any node; run ApplySchemaAsync again.", ex);
}
