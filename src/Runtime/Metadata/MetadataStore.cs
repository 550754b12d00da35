using System.Globalization;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The <c>shardgen</c> schema on the coordinator: nodes, colocation groups, tables (with the
/// fingerprint of the model they were created from), shards and placements, and a version bumped
/// at every change so that processes know when to reload their shard map.
/// </summary>
internal static class MetadataStore
{
    /// <summary>Shard ids start where Citus starts them (the sequence in <see cref="CatalogDdl"/>).</summary>
    public const long FirstShardId = 102008;

    // Apply takes this advisory lock so that concurrent applies from several processes serialize.
    public const long ApplyLockKey = 0x5348_4152_4447_454E; // "SHARDGEN"

    public const string CatalogDdl = """
        CREATE SCHEMA IF NOT EXISTS shardgen;
        CREATE TABLE IF NOT EXISTS shardgen.metadata (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            version bigint NOT NULL);
        INSERT INTO shardgen.metadata (version) VALUES (1) ON CONFLICT DO NOTHING;
        CREATE SEQUENCE IF NOT EXISTS shardgen.shard_id_seq START 102008;
        CREATE TABLE IF NOT EXISTS shardgen.nodes (
            node_id serial PRIMARY KEY,
            name text NOT NULL UNIQUE,
            role text NOT NULL CHECK (role IN ('coordinator', 'worker')),
            host text NOT NULL,
            port integer NOT NULL,
            database text NOT NULL,
            reference_copies text NOT NULL DEFAULT 'filling' CHECK (reference_copies IN ('filling', 'ready')));
        -- Catalogs created before reference copies had a state: the copies they list were all in use, so ready.
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'shardgen.nodes'::regclass AND attname = 'reference_copies' AND NOT attisdropped) THEN
                ALTER TABLE shardgen.nodes ADD COLUMN reference_copies text NOT NULL DEFAULT 'ready' CHECK (reference_copies IN ('filling', 'ready'));
                ALTER TABLE shardgen.nodes ALTER COLUMN reference_copies SET DEFAULT 'filling';
            END IF;
        END
        $$;
        CREATE TABLE IF NOT EXISTS shardgen.colocation_groups (
            group_id serial PRIMARY KEY,
            name text NOT NULL UNIQUE,
            key_type text NOT NULL,
            shard_count integer NOT NULL CHECK (shard_count > 0));
        CREATE TABLE IF NOT EXISTS shardgen.tables (
            table_name text PRIMARY KEY,
            kind text NOT NULL CHECK (kind IN ('distributed', 'reference', 'local')),
            group_id integer REFERENCES shardgen.colocation_groups,
            distribution_column text,
            fingerprint text NOT NULL,
            canonical text NOT NULL);
        CREATE TABLE IF NOT EXISTS shardgen.shards (
            shard_id bigint PRIMARY KEY,
            table_name text NOT NULL REFERENCES shardgen.tables,
            shard_index integer NOT NULL,
            min_hash integer NOT NULL,
            max_hash integer NOT NULL,
            UNIQUE (table_name, shard_index));
        CREATE TABLE IF NOT EXISTS shardgen.placements (
            shard_id bigint NOT NULL REFERENCES shardgen.shards,
            node_id integer NOT NULL REFERENCES shardgen.nodes,
            PRIMARY KEY (shard_id, node_id));
        """ + MigrationStepsDdl + TransactionCatalogDdl;

    /// <summary>The hand-written migration steps that have run (<see cref="MigrationStep"/>); on Citus, created by the first apply that runs one.</summary>
    public const string MigrationStepsDdl = """

        CREATE SCHEMA IF NOT EXISTS shardgen;
        CREATE TABLE IF NOT EXISTS shardgen.migration_steps (
            step_id text PRIMARY KEY,
            table_name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now());
        """;

    /// <summary>
    /// The distributed-transaction records: the cluster's id (the first part of every global
    /// transaction id ShardGen prepares, so that recovery never touches another cluster's prepared
    /// transactions on a shared server) and one row per commit decision, keyed by the random id of
    /// the distributed transaction (<see cref="GlobalTransactionId"/>). Created by apply, and by
    /// recovery on a cluster applied before these tables existed.
    /// </summary>
    public const string TransactionCatalogDdl = """

        CREATE SCHEMA IF NOT EXISTS shardgen;
        CREATE TABLE IF NOT EXISTS shardgen.cluster (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            cluster_id integer NOT NULL CHECK (cluster_id > 0));
        INSERT INTO shardgen.cluster (cluster_id) VALUES (1 + floor(random() * 2147483646)::integer) ON CONFLICT DO NOTHING;
        CREATE TABLE IF NOT EXISTS shardgen.commit_decisions (
            transaction_id uuid PRIMARY KEY,
            participants integer NOT NULL,
            decided_at timestamptz NOT NULL DEFAULT now());
        """;

    public static async Task EnsureCatalogAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await LockApplyAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(CatalogDdl, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes apply's advisory lock until the end of <paramref name="transaction"/>.</summary>
    public static async Task LockApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = ApplyLockKey });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the coordinator holds ShardGen metadata at all.</summary>
    public static async Task<bool> ExistsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass('shardgen.shards') IS NOT NULL", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public static async Task<MetadataRows> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT version FROM shardgen.metadata;
            SELECT node_id, name, role, host, port, database, coalesce(to_jsonb(n) ->> 'reference_copies', 'ready') = 'ready'
              FROM shardgen.nodes n ORDER BY node_id;
            SELECT group_id, name, key_type, shard_count FROM shardgen.colocation_groups ORDER BY group_id;
            SELECT table_name, kind, group_id, distribution_column, fingerprint, canonical FROM shardgen.tables ORDER BY table_name;
            SELECT s.shard_id, s.table_name, s.shard_index, p.node_id, s.min_hash, s.max_hash
              FROM shardgen.shards s JOIN shardgen.placements p USING (shard_id)
             ORDER BY s.table_name, s.shard_index;
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var version = reader.GetInt64(0);

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var nodes = new List<NodeRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            nodes.Add(new NodeRow(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetString(5), reader.GetBoolean(6)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var groups = new List<GroupRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            groups.Add(new GroupRow(reader.GetInt32(0), reader.GetString(1), Enum.Parse<DistributionKeyType>(reader.GetString(2)), reader.GetInt32(3)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var tables = new List<TableRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(new TableRow(
                reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetString(5)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var shards = new List<ShardRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            shards.Add(new ShardRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5)));
        }

        return new MetadataRows(version, nodes, groups, tables, shards);
    }

    /// <summary>
    /// Brings the metadata in line with the model: registers nodes, groups, tables and the shards of
    /// new distributed tables. Returns what of the model's tables that already exist an apply refuses
    /// (<see cref="TableComparison.ForApply"/>; the caller refuses to go on when there is any). Nothing is
    /// changed for existing tables here: <see cref="SchemaMigration"/> does that after.
    /// </summary>
    /// <param name="shardCountGiven">Whether <paramref name="shardCount"/> was set with <c>UseShardCount</c>: then an existing group with another count is refused.</param>
    public static async Task<(bool Changed, List<string> Differences)> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaDefinition schema,
        Node coordinator, IReadOnlyList<Node> workers, int shardCount, bool shardCountGiven, bool allowDestructive, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var differences = new List<string>();
        var changed = false;

        async Task<int> ExecuteAsync(string sql, params object[] values)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        async Task<T> ScalarAsync<T>(string sql, params object[] values)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            foreach (var value in values)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        // Nodes, by name; a node that moved keeps its placements and gets its new address.
        var nodeIds = rows.Nodes.ToDictionary(n => n.Name, n => n.Id, StringComparer.Ordinal);
        foreach (var (node, role) in workers.Select(w => (w, "worker")).Prepend((coordinator, "coordinator")))
        {
            var existing = rows.Nodes.FirstOrDefault(n => n.Name == node.Name);
            if (existing is null)
            {
                // A worker's reference copies are empty until the fill that follows this apply (the coordinator's are the source).
                nodeIds[node.Name] = await ScalarAsync<int>(
                    "INSERT INTO shardgen.nodes (name, role, host, port, database, reference_copies) VALUES ($1, $2, $3, $4, $5, $6) RETURNING node_id",
                    node.Name, role, node.Host, node.Port, node.Database, role == "coordinator" ? "ready" : "filling").ConfigureAwait(false);
                changed = true;
            }
            else if (existing.Role != role)
            {
                differences.Add($"node '{node.Name}' is a {existing.Role} in the cluster but was given as a {role}");
            }
            else if (existing.Host != node.Host || existing.Port != node.Port || existing.Database != node.Database)
            {
                await ExecuteAsync("UPDATE shardgen.nodes SET host = $2, port = $3, database = $4 WHERE node_id = $1",
                    existing.Id, node.Host, node.Port, node.Database).ConfigureAwait(false);
                changed = true;
            }
        }

        var workerIds = rows.Nodes.Where(n => n.Role == "worker").Select(n => n.Id)
            .Concat(workers.Select(w => nodeIds[w.Name])).Distinct().Order().ToArray();
        if (workerIds.Length == 0)
        {
            throw new ShardGenException("The cluster has no worker: add one with ShardedDataSourceBuilder.AddWorker.");
        }

        // Colocation groups.
        var groups = rows.Groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        foreach (var group in schema.ColocationGroups)
        {
            if (groups.TryGetValue(group.Name, out var existing))
            {
                if (existing.KeyType != group.KeyType)
                {
                    differences.Add($"colocation group '{group.Name}' holds {existing.KeyType.SqlType()} keys in the cluster; the model gives {group.KeyType.SqlType()}");
                }
                else if (shardCountGiven && existing.ShardCount != shardCount)
                {
                    throw new ShardGenException(string.Create(CultureInfo.InvariantCulture,
                        $"Colocation group '{group.Name}' has {existing.ShardCount} shards in the cluster, but the data source was built with UseShardCount({shardCount}): "
                        + $"an apply does not change the count of an existing group. Split its shards online first (ShardedDataSource.SplitColocationGroupAsync, or `shardgen split {group.Name} --shards {shardCount}`), or build it with UseShardCount({existing.ShardCount}), or without UseShardCount to keep every existing group as it is. Nothing was changed."));
                }

                continue;
            }

            var id = await ScalarAsync<int>(
                "INSERT INTO shardgen.colocation_groups (name, key_type, shard_count) VALUES ($1, $2, $3) RETURNING group_id",
                group.Name, group.KeyType.ToString(), shardCount).ConfigureAwait(false);
            groups[group.Name] = new GroupRow(id, group.Name, group.KeyType, shardCount);
            changed = true;
        }

        // Tables, and the shards of new distributed tables, placed where their group's shards are.
        var tables = rows.Tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var placementOfGroupShard = new Dictionary<(int Group, int Shard), (int Node, int MinHash, int MaxHash)>();
        foreach (var shard in rows.Shards)
        {
            if (tables.TryGetValue(shard.Table, out var owner) && owner.GroupId is { } groupId)
            {
                placementOfGroupShard.TryAdd((groupId, shard.ShardIndex), (shard.NodeId, shard.MinHash, shard.MaxHash));
            }
        }

        foreach (var table in schema.Tables)
        {
            if (tables.TryGetValue(table.Name, out var existing))
            {
                var comparison = TableComparison.Of(table, existing);
                differences.AddRange(comparison.ForApply(allowDestructive));
                continue;
            }

            // A new table is created without its foreign keys (the tables they reference may not exist yet); the
            // migration that follows the apply adds them, as to any table.
            var kind = table.Kind.ToString().ToLowerInvariant();
            var created = CanonicalText.Of(TableShape.Of(table) with { ForeignKeys = [] });
            if (table.Kind != TableKind.Distributed)
            {
                await ExecuteAsync(
                    "INSERT INTO shardgen.tables (table_name, kind, fingerprint, canonical) VALUES ($1, $2, $3, $4)",
                    table.Name, kind, CanonicalText.Fingerprint(created), created).ConfigureAwait(false);
                changed = true;
                continue;
            }

            var group = groups[table.ColocationGroup!];
            var longestShardName = Identifiers.ShardTable(table.Name, long.MaxValue / 1000);
            if (System.Text.Encoding.UTF8.GetByteCount(longestShardName) > Identifiers.MaxLength)
            {
                throw new ShardGenException(
                    $"Table '{table.Name}' is too long a name for its shard tables ('{table.Name}_<shardid>' must fit PostgreSQL's {Identifiers.MaxLength} bytes): give it a shorter name with Table = \"...\".");
            }

            // A table joins its group's shards where they are, with their ranges (a split group's are not uniform), so a
            // group being moved or split gets no table until the move is done.
            if (await MoveCatalog.UnderWayInGroupAsync(connection, transaction, group.Id, cancellationToken).ConfigureAwait(false))
            {
                throw new ShardGenException(
                    $"A shard move or split of colocation group '{group.Name}' is under way: table '{table.Name}' can join the group after it. Run the apply again when it is done (or run `shardgen cleanup` if its process died). Nothing was changed.");
            }

            await ExecuteAsync(
                "INSERT INTO shardgen.tables (table_name, kind, group_id, distribution_column, fingerprint, canonical) VALUES ($1, $2, $3, $4, $5, $6)",
                table.Name, kind, group.Id, table.DistributionColumn!, CanonicalText.Fingerprint(created), created).ConfigureAwait(false);
            for (var shard = 0; shard < group.ShardCount; shard++)
            {
                if (!placementOfGroupShard.TryGetValue((group.Id, shard), out var placement))
                {
                    placement = (workerIds[shard % workerIds.Length], HashRanges.MinHash(shard, group.ShardCount), HashRanges.MaxHash(shard, group.ShardCount));
                    placementOfGroupShard[(group.Id, shard)] = placement;
                }

                var shardId = await ScalarAsync<long>(
                    "INSERT INTO shardgen.shards (shard_id, table_name, shard_index, min_hash, max_hash) VALUES (nextval('shardgen.shard_id_seq'), $1, $2, $3, $4) RETURNING shard_id",
                    table.Name, shard, placement.MinHash, placement.MaxHash).ConfigureAwait(false);
                await ExecuteAsync("INSERT INTO shardgen.placements (shard_id, node_id) VALUES ($1, $2)", shardId, placement.Node).ConfigureAwait(false);
            }

            changed = true;
        }

        if (changed && differences.Count == 0)
        {
            await ExecuteAsync("UPDATE shardgen.metadata SET version = version + 1").ConfigureAwait(false);
        }

        return (changed, differences);
    }

    /// <summary>What differs between a table of the model and the canonical text the cluster recorded for it.</summary>
    public static string Describe(TableDefinition table, string recordedCanonical)
    {
        var recorded = recordedCanonical.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var compiled = table.Canonical.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var onlyRecorded = recorded.Except(compiled, StringComparer.Ordinal).ToArray();
        var onlyCompiled = compiled.Except(recorded, StringComparer.Ordinal).ToArray();
        var parts = new List<string>();
        if (onlyRecorded.Length > 0)
        {
            parts.Add("the cluster has [" + string.Join("; ", onlyRecorded) + "]");
        }

        if (onlyCompiled.Length > 0)
        {
            parts.Add("the model has [" + string.Join("; ", onlyCompiled) + "]");
        }

        return $"table '{table.Name}': " + (parts.Count == 0 ? "its definition changed" : string.Join(", ", parts));
    }
}

/// <param name="ReferenceCopiesReady">Whether the node's reference copies are complete and may be read.</param>
internal sealed record NodeRow(int Id, string Name, string Role, string Host, int Port, string Database, bool ReferenceCopiesReady);

internal sealed record GroupRow(int Id, string Name, DistributionKeyType KeyType, int ShardCount);

internal sealed record TableRow(string Name, string Kind, int? GroupId, string? DistributionColumn, string Fingerprint, string Canonical);

internal sealed record ShardRow(long ShardId, string Table, int ShardIndex, int NodeId, int MinHash, int MaxHash);

internal sealed record MetadataRows(long Version, IReadOnlyList<NodeRow> Nodes, IReadOnlyList<GroupRow> Groups, IReadOnlyList<TableRow> Tables, IReadOnlyList<ShardRow> Shards);
