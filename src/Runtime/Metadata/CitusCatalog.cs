using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The topology of a Citus cluster, read from Citus's own catalogs on the coordinator: the active primary nodes
/// (<c>pg_dist_node</c>), how each table of the model is distributed (<c>pg_dist_partition</c>: method, distribution
/// column, colocation id), its shards and their actual hash ranges (<c>pg_dist_shard</c>) and where each shard is
/// placed (<c>pg_dist_placement</c>). The rows are turned into the same <see cref="MetadataRows"/> the native engine
/// reads from <c>shardgen.*</c>, so one <see cref="ShardMap"/> serves both; the model is checked against them.
/// </summary>
internal static class CitusCatalog
{
    /// <summary>Apply takes this advisory lock on the coordinator, so that processes creating tables take turns.</summary>
    public const long ApplyLockKey = 0x5348_4152_4443_4954; // "SHARDCIT"

    /// <summary>
    /// A digest of everything routing depends on: nodes, placements, shards and distributed tables. It changes when
    /// Citus adds, removes or disables a node, moves, splits or isolates a shard, or distributes a table; reading it
    /// costs one scan of each catalog, so the map's refresh can look at it often.
    /// </summary>
    private const string DigestSql = """
        SELECT (SELECT coalesce(string_agg(concat_ws(',', nodeid, groupid, nodename, nodeport, isactive, hasmetadata, metadatasynced, noderole), ';' ORDER BY nodeid), '') FROM pg_dist_node)
            || '|' || (SELECT concat_ws(',', count(*), sum(placementid), sum(shardid * (groupid + 1)), sum(shardstate)) FROM pg_dist_placement)
            || '|' || (SELECT concat_ws(',', count(*), sum(shardid), sum(hashtext(concat(shardminvalue, ':', shardmaxvalue)))) FROM pg_dist_shard)
            || '|' || (SELECT concat_ws(',', count(*), sum(colocationid), sum(logicalrelid::oid::bigint)) FROM pg_dist_partition)
        """;

    // The model's tables as the coordinator resolves their names (the search path, as the statements will).
    private static readonly string[] ReadSql =
    [
        """
        SELECT nodeid, groupid, nodename, nodeport, hasmetadata AND metadatasynced
          FROM pg_dist_node WHERE isactive AND noderole = 'primary' ORDER BY groupid, nodeid
        """,
        """
        SELECT m.name, c.oid IS NOT NULL, c.relkind::text, p.partmethod::text, p.repmodel::text, p.colocationid,
               CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END,
               CASE WHEN p.partmethod = 'h' THEN (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                                                   WHERE a.attrelid = p.logicalrelid AND a.attname = column_to_column_name(p.logicalrelid, p.partkey)) END
          FROM unnest($1::text[]) AS m(name)
          LEFT JOIN pg_class c ON c.oid = to_regclass(quote_ident(m.name))
          LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
        """,
        """
        SELECT m.name, s.shardid, s.shardminvalue::integer, s.shardmaxvalue::integer,
               (SELECT min(pl.groupid) FROM pg_dist_placement pl WHERE pl.shardid = s.shardid AND pl.shardstate = 1)
          FROM unnest($1::text[]) AS m(name)
          JOIN pg_dist_shard s ON s.logicalrelid = to_regclass(quote_ident(m.name))
         WHERE s.shardminvalue IS NOT NULL
         ORDER BY m.name, s.shardminvalue::integer
        """,
        """
        SELECT m.name, a.attname, format_type(a.atttypid, a.atttypmod)
          FROM unnest($1::text[]) AS m(name)
          JOIN pg_attribute a ON a.attrelid = to_regclass(quote_ident(m.name)) AND a.attnum > 0 AND NOT a.attisdropped
        """,
    ];

    /// <summary>The version of the topology: the digest, hashed. What <see cref="ShardMap.Version"/> holds on Citus.</summary>
    public static async Task<long> VersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(DigestSql, connection, transaction);
        var digest = (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return (long)XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(digest));
    }

    /// <summary>Whether the coordinator runs Citus at all (the extension installed in its database).</summary>
    public static async Task<string?> ExtensionVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT extversion FROM pg_extension WHERE extname = 'citus'", connection);
        return (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the topology for <paramref name="schema"/> and compares the cluster with the model: the rows a
    /// <see cref="ShardMap"/> is built from, the tables the cluster lacks, and every other difference.
    /// </summary>
    public static async Task<CitusTopology> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaDefinition schema, Node coordinator, CancellationToken cancellationToken)
    {
        if (await ExtensionVersionAsync(connection, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new ShardGenException(
                $"The coordinator {coordinator} has no Citus extension in its database, yet the data source was built with UseCitus(): run CREATE EXTENSION citus there, or leave UseCitus() out for plain PostgreSQL servers.");
        }

        var version = await VersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var names = schema.Tables.Select(t => t.Name).ToArray();
        foreach (var sql in ReadSql)
        {
            var command = new NpgsqlBatchCommand(sql);
            if (sql.Contains("$1", StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
            }

            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

        // Nodes: the coordinator's group (0) is the coordinator this process was given; a worker is named as the native
        // engine names nodes, host:port/database, and reached with the coordinator's credentials unless given.
        var nodes = new List<NodeRow>();
        var nodeOfGroup = new Dictionary<int, int>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (id, group, host, port, synced) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3), reader.GetBoolean(4));
            if (!nodeOfGroup.TryAdd(group, id))
            {
                continue;
            }

            nodes.Add(group == 0
                ? new NodeRow(id, coordinator.Name, "coordinator", coordinator.Host, coordinator.Port, coordinator.Database, true)
                : new NodeRow(id, string.Create(CultureInfo.InvariantCulture, $"{host}:{port}/{coordinator.Database}"), "worker", host, port, coordinator.Database, synced));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var relations = new Dictionary<string, Relation>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            relations[reader.GetString(0)] = new Relation(
                reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? 0 : reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var shardsOf = new Dictionary<string, List<(long Id, int Min, int Max, int? Group)>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            if (!shardsOf.TryGetValue(table, out var list))
            {
                shardsOf[table] = list = [];
            }

            list.Add((reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetInt32(4)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var columnsOf = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            if (!columnsOf.TryGetValue(table, out var columns))
            {
                columnsOf[table] = columns = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            columns[reader.GetString(1)] = reader.GetString(2);
        }

        return Compare(schema, version, nodes, nodeOfGroup, relations, shardsOf, columnsOf);
    }

    private static CitusTopology Compare(
        SchemaDefinition schema, long version, List<NodeRow> nodes, Dictionary<int, int> nodeOfGroup, Dictionary<string, Relation> relations,
        Dictionary<string, List<(long Id, int Min, int Max, int? Group)>> shardsOf, Dictionary<string, Dictionary<string, string>> columnsOf)
    {
        var missing = new List<TableDefinition>();
        var differences = new List<string>();
        var missingColumns = new List<(TableDefinition, ColumnDefinition)>();
        var typeChanges = new List<(TableDefinition, ColumnDefinition, string)>();
        var tables = new List<TableRow>();
        var shards = new List<ShardRow>();
        var groups = new Dictionary<int, GroupRow>();
        var colocationOfGroup = new Dictionary<string, (int Id, string Table)>(StringComparer.Ordinal);
        foreach (var table in schema.Tables)
        {
            var relation = relations.GetValueOrDefault(table.Name);
            if (relation is not { Exists: true })
            {
                missing.Add(table);
                continue;
            }

            var cluster = relation.Describe();
            if (relation.RelationKind is not ("r" or "p"))
            {
                differences.Add($"table '{table.Name}': the model has a {Kind(table)}, the cluster has '{table.Name}' as a relation of kind '{relation.RelationKind}' (not a table)");
                continue;
            }

            CompareColumns(table, columnsOf.GetValueOrDefault(table.Name), typeChanges, missingColumns);
            switch (table.Kind)
            {
                case TableKind.Reference when relation.IsReference:
                case TableKind.Local when relation.IsOnCoordinatorOnly:
                    tables.Add(new TableRow(table.Name, Kind(table.Kind), null, null, table.Fingerprint, table.Canonical));
                    break;
                case TableKind.Reference or TableKind.Local when relation.Method is null:
                    // A plain table of the right shape that is not distributed yet: apply distributes it.
                    missing.Add(table);
                    break;
                case TableKind.Distributed when relation.IsDistributed:
                    if (relation.Column != table.DistributionColumn || relation.ColumnType != table.KeyType.SqlType())
                    {
                        differences.Add($"table '{table.Name}': the model distributes it by \"{table.DistributionColumn}\" ({table.KeyType.SqlType()}), the cluster by \"{relation.Column}\" ({relation.ColumnType})");
                        break;
                    }

                    if (colocationOfGroup.TryGetValue(table.ColocationGroup!, out var colocated) && colocated.Id != relation.ColocationId)
                    {
                        differences.Add($"table '{table.Name}': the model colocates it with '{colocated.Table}' (colocation group '{table.ColocationGroup}'), but in the cluster it is in Citus colocation group {relation.ColocationId} and '{colocated.Table}' in {colocated.Id}: "
                            + $"run SELECT update_distributed_table_colocation('{table.Name}', colocate_with => '{colocated.Table}') on the coordinator");
                        break;
                    }

                    colocationOfGroup.TryAdd(table.ColocationGroup!, (relation.ColocationId, table.Name));
                    var tableShards = shardsOf.GetValueOrDefault(table.Name) ?? [];
                    groups.TryAdd(relation.ColocationId, new GroupRow(relation.ColocationId, table.ColocationGroup!, table.KeyType, tableShards.Count));
                    tables.Add(new TableRow(table.Name, Kind(table.Kind), relation.ColocationId, table.DistributionColumn, table.Fingerprint, table.Canonical));
                    for (var i = 0; i < tableShards.Count; i++)
                    {
                        var shard = tableShards[i];
                        if (shard.Group is not { } group || !nodeOfGroup.TryGetValue(group, out var nodeId))
                        {
                            differences.Add($"table '{table.Name}': shard {shard.Id} has no active placement on an active primary node");
                            continue;
                        }

                        shards.Add(new ShardRow(shard.Id, table.Name, i, nodeId, shard.Min, shard.Max));
                    }

                    break;
                case TableKind.Distributed when relation.Method is null:
                    missing.Add(table);
                    break;
                default:
                    differences.Add(table.Kind == TableKind.Distributed
                        ? $"table '{table.Name}': the model distributes it by \"{table.DistributionColumn}\" ({table.KeyType.SqlType()}), the cluster has {cluster}"
                        : $"table '{table.Name}': the model has a {Kind(table)}, the cluster has {cluster}");
                    break;
            }
        }

        var rows = new MetadataRows(version, nodes, [.. groups.Values.OrderBy(g => g.Id)], tables, shards);
        return new CitusTopology(rows, missing, differences, missingColumns, typeChanges);
    }

    // A column the model reads must be there with its type as format_type writes it, modifier included (numeric(12,2) is
    // another type than numeric: a change of modifier is a type change an apply makes only with the opt-in); columns the
    // cluster has beyond the model's do not matter to statements that name their columns. A column the cluster lacks is
    // apply's to add (when nullable).
    private static void CompareColumns(TableDefinition table, Dictionary<string, string>? cluster, List<(TableDefinition, ColumnDefinition, string)> typeChanges, List<(TableDefinition, ColumnDefinition)> missingColumns)
    {
        foreach (var column in table.Columns)
        {
            if (cluster is null || !cluster.TryGetValue(column.Name, out var type))
            {
                missingColumns.Add((table, column));
            }
            else if (!string.Equals(type, column.SqlType, StringComparison.OrdinalIgnoreCase))
            {
                typeChanges.Add((table, column, type));
            }
        }
    }

    /// <summary>
    /// Creates what the model needs and the cluster lacks, on the coordinator in one transaction under an advisory lock
    /// (processes applying at once take turns, and the second finds everything there): each table with
    /// <c>CREATE TABLE IF NOT EXISTS</c>, then <c>create_distributed_table</c> (the first table of a colocation group
    /// with <c>colocate_with =&gt; 'none'</c> and the shard count, the others colocated with it) or
    /// <c>create_reference_table</c>; local tables stay plain tables on the coordinator. In the same transaction the
    /// columns, defaults and constraints the model adds to tables the cluster has (<see cref="CitusMigration"/>); after it
    /// the indexes, validation, hand-written steps and, with the opt-in, destructive changes. Citus propagates the DDL.
    /// A difference the apply does not make fails the call before anything is created.
    /// </summary>
    public static async Task ApplyAsync(
        NpgsqlConnection connection, SchemaDefinition schema, Node coordinator, int shardCount, SchemaApplyOptions options, IReadOnlyList<MigrationStep> steps, CancellationToken cancellationToken)
    {
        CitusTopology topology;
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            // Sequential: a foreign key to a reference table cannot be added in a transaction that ran parallel DDL on a
            // distributed table (Citus's own advice for DDL with such keys).
            await using (var sequential = new NpgsqlCommand("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'", connection, transaction))
            {
                await sequential.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction) { CommandTimeout = 0 })
            {
                lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ApplyLockKey });
                await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            topology = await ReadAsync(connection, transaction, schema, coordinator, cancellationToken).ConfigureAwait(false);
            if (topology.ForApply(options.AllowDestructiveChanges).ToArray() is { Length: > 0 } refused)
            {
                throw new SchemaMismatchException(refused);
            }

            foreach (var statement in CreateStatements(schema, topology, shardCount).SelectMany(c => c.Statements.Select(s => (c.Table, Sql: s))))
            {
                try
                {
                    await using var command = new NpgsqlCommand(statement.Sql, connection, transaction);
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (PostgresException ex)
                {
                    throw new ShardGenException($"Creating table '{statement.Table.Name}' on the Citus coordinator {coordinator} failed: {ex.MessageText}", ex);
                }
            }

            await CitusMigration.AddColumnsAndConstraintsAsync(connection, transaction, schema, topology, coordinator, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await CitusMigration.RunAfterAsync(connection, schema, topology, coordinator, options, steps, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The dry run of <see cref="ApplyAsync"/>: every statement it would send to the coordinator, and what it would refuse.</summary>
    public static async Task<SchemaPlan> PlanAsync(
        NpgsqlConnection connection, SchemaDefinition schema, Node coordinator, int shardCount, SchemaApplyOptions options, IReadOnlyList<MigrationStep> steps, CancellationToken cancellationToken)
    {
        var topology = await ReadAsync(connection, null, schema, coordinator, cancellationToken).ConfigureAwait(false);
        var statements = CreateStatements(schema, topology, shardCount)
            .SelectMany(c => c.Statements.Select(s => new SchemaPlanStatement("create", coordinator.Name, s)))
            .Concat(topology.Missing.SelectMany(t => t.ForeignKeys.Select(k => new SchemaPlanStatement(SchemaMigration.Columns, coordinator.Name, TableDdl.AddForeignKey(k, t.Name, null, k.ReferencedTable, notValid: true)))))
            .Concat(await CitusMigration.PlanAsync(connection, schema, topology, coordinator, options, steps, cancellationToken).ConfigureAwait(false))
            .Concat(topology.Missing.SelectMany(t => t.Indexes.Select(i => new SchemaPlanStatement(SchemaMigration.Indexes, coordinator.Name, TableDdl.CreateIndex(i, t.Name, null, concurrently: true)))))
            .ToArray();
        return new SchemaPlan(statements, topology.ForApply(options.AllowDestructiveChanges).ToArray());
    }

    // The tables the cluster lacks, each created and distributed: a group's tables colocate with one that is already
    // distributed, or with the first created here. Reference tables first, so that foreign keys can reference them.
    private static IEnumerable<(TableDefinition Table, List<string> Statements)> CreateStatements(SchemaDefinition schema, CitusTopology topology, int shardCount)
    {
        var colocateWith = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in topology.Rows.Tables.Where(t => t.GroupId is not null))
        {
            colocateWith.TryAdd(schema.Tables.First(t => t.Name == row.Name).ColocationGroup!, row.Name);
        }

        foreach (var table in topology.Missing.OrderBy(t => t.Kind).ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            var statements = new List<string> { NativeDdl.CreateTable(table) };
            var name = Identifiers.Literal(Identifiers.Quote(table.Name));
            switch (table.Kind)
            {
                case TableKind.Reference:
                    statements.Add($"SELECT create_reference_table({name})");
                    break;
                case TableKind.Distributed when colocateWith.TryGetValue(table.ColocationGroup!, out var first):
                    statements.Add($"SELECT create_distributed_table({name}, {Identifiers.Literal(table.DistributionColumn!)}, colocate_with => {Identifiers.Literal(Identifiers.Quote(first))})");
                    break;
                case TableKind.Distributed:
                    statements.Add(string.Create(CultureInfo.InvariantCulture,
                        $"SELECT create_distributed_table({name}, {Identifiers.Literal(table.DistributionColumn!)}, colocate_with => 'none', shard_count => {shardCount})"));
                    colocateWith[table.ColocationGroup!] = table.Name;
                    break;
            }

            yield return (table, statements);
        }
    }

    private static string Kind(TableKind kind) => kind.ToString().ToLowerInvariant();

    private static string Kind(TableDefinition table) => table.Kind switch
    {
        TableKind.Reference => "reference table",
        TableKind.Local => "local table (a plain table on the coordinator)",
        _ => $"table distributed by \"{table.DistributionColumn}\"",
    };

    private sealed record Relation(bool Exists, string? RelationKind, string? Method, string? ReplicationModel, int ColocationId, string? Column, string? ColumnType)
    {
        public bool IsDistributed => Method == "h";

        public bool IsReference => Method == "n" && ReplicationModel == "t";

        /// <summary>A plain table, or a Citus local table (in Citus's metadata, its one shard on the coordinator).</summary>
        public bool IsOnCoordinatorOnly => Method is null || (Method == "n" && ReplicationModel == "s" && ColocationId == 0);

        public string Describe() => Method switch
        {
            null => "a plain table (not distributed)",
            "h" => $"a table distributed by \"{Column}\" ({ColumnType}) in Citus colocation group {ColocationId.ToString(CultureInfo.InvariantCulture)}",
            "n" when ReplicationModel == "t" => "a reference table",
            "n" when ColocationId == 0 => "a Citus local table",
            "n" => "a single-shard distributed table (schema-based sharding)",
            _ => $"a table distributed by method '{Method}'",
        };
    }
}

/// <param name="Rows">The topology as the shard map reads it; only the tables the cluster has as the model says.</param>
/// <param name="Missing">Tables of the model the cluster does not have (or has as plain tables not yet distributed).</param>
/// <param name="Differences">How tables the cluster has differ from the model, each naming the table and both sides.</param>
/// <param name="MissingColumns">Columns of the model that tables the cluster has lack: apply adds the nullable ones.</param>
/// <param name="TypeChanges">Columns whose type in the cluster is another than the model's (with the cluster's type).</param>
internal sealed record CitusTopology(
    MetadataRows Rows, IReadOnlyList<TableDefinition> Missing, IReadOnlyList<string> Differences, IReadOnlyList<(TableDefinition Table, ColumnDefinition Column)> MissingColumns,
    IReadOnlyList<(TableDefinition Table, ColumnDefinition Column, string ClusterType)> TypeChanges)
{
    /// <summary>What an apply refuses: every difference, a new NOT NULL column without a default, and type changes without the opt-in.</summary>
    public IEnumerable<string> ForApply(bool allowDestructive) => Differences
        .Concat(MissingColumns.Where(m => !m.Column.IsNullable && m.Column.DefaultSql is null).Select(m =>
            $"table '{m.Table.Name}': the model adds column \"{m.Column.Name}\" ({m.Column.SqlType} NOT NULL), which ApplySchemaAsync cannot add: the table's rows would have no value for it. "
            + "Give it a default ([Default] or [DefaultSql]), or make the property nullable"))
        .Concat(allowDestructive ? [] : TypeChanges.Select(TypeChange).Select(t => t
            + ": a destructive change, made only with SchemaApplyOptions.AllowDestructiveChanges (Citus rewrites every shard), or revert the model change"));

    /// <summary>
    /// What a process running with the model cannot live with: every difference, and every column the cluster lacks or has
    /// with another type (another modifier of the same type is read and written as before).
    /// </summary>
    public IEnumerable<string> ForRunning() => Differences
        .Concat(TypeChanges.Where(t => !SqlTypeName.DiffersOnlyInModifier(t.ClusterType, t.Column.SqlType)).Select(TypeChange)).Concat(MissingColumns.Select(m =>
        $"table '{m.Table.Name}': the model has column \"{m.Column.Name}\" ({m.Column.SqlType}), the cluster's table has no such column. "
        + "If this model is newer than the cluster's, apply it first with ApplySchemaAsync (from one process, before this binary serves calls); "
        + "if the column was dropped from the cluster, this process is older than the cluster's model and cannot run against it"));

    private static string TypeChange((TableDefinition Table, ColumnDefinition Column, string ClusterType) change) =>
        $"table '{change.Table.Name}': column \"{change.Column.Name}\" is {change.Column.SqlType} in the model, {change.ClusterType} in the cluster";
}
