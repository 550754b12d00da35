using Npgsql;
using ShardGen.Model;

namespace ShardGen;

// Adding and removing workers on the native engine (docs/operations.md).
public sealed partial class ShardedDataSource
{
    /// <summary>
    /// Adds a worker to the cluster as one operation, as Citus's <c>citus_add_node</c>: the worker gets every reference
    /// table in the shape the cluster recorded (tables and indexes before it is registered, so that a reference write
    /// from any process finds them), is registered with its reference copies <em>filling</em> (written by every
    /// reference write, read by none), gets the coordinator's reference rows, and only then is marked ready for reads;
    /// its recorded foreign keys follow. It holds no shards: move some there with <see cref="MoveShardGroupAsync"/> or
    /// <see cref="RebalanceAsync"/>. Works from the cluster's metadata alone (the model of this data source is not
    /// needed); processes never given the worker learn it from the metadata. Running it again for a worker the cluster
    /// has finishes what an interrupted run left and changes nothing else.
    /// </summary>
    /// <param name="connectionString">How to reach the worker. Other processes reach it with their coordinator's credentials.</param>
    /// <param name="name">Its name in the metadata, by default <c>host:port/database</c>.</param>
    /// <returns>The map after the worker was added.</returns>
    /// <exception cref="ShardGenException">The worker cannot be reached, or the name is the coordinator's; nothing was registered.</exception>
    public async Task<ShardMap> AddWorkerAsync(string connectionString, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        RefuseOnCitus("SELECT citus_add_node(host, port)");
        name ??= NodeNames.Default(connectionString);
        var worker = NodeNamed(name, () => connectionString);

        await using (var connection = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await MetadataStore.LockApplyAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var rows = await MetadataStore.ReadAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var existing = rows.Nodes.FirstOrDefault(n => n.Name == name);
            if (existing is { Role: not "worker" })
            {
                throw new ShardGenException($"'{name}' is the coordinator's name in the cluster; give the worker another name. Nothing was changed.");
            }

            // The copies are made before the registration commits: a reference write that sees the worker finds its tables.
            var references = rows.Tables.Where(t => t.Kind == "reference").Select(t => (t.Name, Shape: RecordedShape(t))).ToList();
            await using (var workerConnection = await OpenAsync(worker, cancellationToken).ConfigureAwait(false))
            {
                await RunDdlAsync(worker, [
                    .. references.Select(r => TableDdl.CreateTable(r.Shape, r.Name, null)),
                    .. references.SelectMany(r => r.Shape.Indexes.Select(index => TableDdl.CreateIndex(index, r.Name, null, concurrently: false)))],
                    workerConnection, null, cancellationToken).ConfigureAwait(false);
            }

            if (existing is null || existing.Host != worker.Host || existing.Port != worker.Port || existing.Database != worker.Database)
            {
                await using var register = new NpgsqlBatch(connection, transaction)
                {
                    BatchCommands =
                    {
                        new NpgsqlBatchCommand(existing is null
                            ? "INSERT INTO shardgen.nodes (name, role, host, port, database, reference_copies) VALUES ($1, 'worker', $2, $3, $4, 'filling')"
                            : "UPDATE shardgen.nodes SET host = $2, port = $3, database = $4 WHERE name = $1")
                        {
                            Parameters =
                            {
                                new NpgsqlParameter<string> { TypedValue = name },
                                new NpgsqlParameter<string> { TypedValue = worker.Host },
                                new NpgsqlParameter<int> { TypedValue = worker.Port },
                                new NpgsqlParameter<string> { TypedValue = worker.Database },
                            },
                        },
                        new NpgsqlBatchCommand("UPDATE shardgen.metadata SET version = version + 1"),
                    },
                };
                await register.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        _map = await FillReferenceCopiesAsync(cancellationToken).ConfigureAwait(false);
        await AddReferenceForeignKeysAsync(worker, cancellationToken).ConfigureAwait(false);
        return await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes a worker that holds no shards from the cluster, as Citus's <c>citus_remove_node</c>: it is unregistered
    /// (reference reads and writes stop going there once each process's map is refreshed); its tables are left as they
    /// are. To remove a worker that holds shards, use <see cref="DrainWorkerAsync"/>.
    /// </summary>
    /// <exception cref="ShardGenException">The cluster has no such worker, it still holds shards, or it is the last worker; nothing was changed.</exception>
    public async Task<ShardMap> RemoveWorkerAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        RefuseOnCitus("SELECT citus_remove_node(host, port)");
        await using (var connection = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await MetadataStore.LockApplyAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var rows = await MetadataStore.ReadAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var node = rows.Nodes.FirstOrDefault(n => n.Name == name && n.Role == "worker")
                ?? throw new ShardGenException($"The cluster has no worker named '{name}'; nothing was changed.");
            var held = rows.Shards.Count(s => s.NodeId == node.Id);
            if (held > 0)
            {
                throw new ShardGenException($"Worker '{name}' holds {held} shards; move them away first (DrainWorkerAsync, or `shardgen drain`). Nothing was changed.");
            }

            if (rows.Nodes.Count(n => n.Role == "worker") == 1)
            {
                throw new ShardGenException($"Worker '{name}' is the cluster's last worker; nothing was changed.");
            }

            // A move that left its fenced copy or an unfinished copy on the worker refers to it: settle those first.
            await MoveCatalog.EnsureAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (await MoveCatalog.PendingOnAsync(connection, transaction, node.Id, cancellationToken).ConfigureAwait(false) is > 0 and var pending)
            {
                throw new ShardGenException($"Worker '{name}' is in {pending} shard moves not cleaned up yet: run CleanUpShardMovesAsync (`shardgen cleanup`) first. Nothing was changed.");
            }

            await using var remove = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    // The records of finished moves from or to the worker go with it.
                    new NpgsqlBatchCommand("DELETE FROM shardgen.moves WHERE $1 IN (source_node, target_node)") { Parameters = { new NpgsqlParameter<int> { TypedValue = node.Id } } },
                    new NpgsqlBatchCommand("DELETE FROM shardgen.nodes WHERE node_id = $1") { Parameters = { new NpgsqlParameter<int> { TypedValue = node.Id } } },
                    new NpgsqlBatchCommand("UPDATE shardgen.metadata SET version = version + 1"),
                },
            };
            await remove.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    // The shape a table has in the cluster: what the model says about it when the model has the table, else the metadata's record.
    internal TableShape RecordedShape(TableRow row) =>
        (Schema.TryGetTable(row.Name, out var table) ? TableComparison.Of(table, row).Recorded : TableShape.Parse(row.Canonical, []))
        ?? throw new ShardGenException($"The recorded shape of table '{row.Name}' cannot be read by this version of ShardGen; nothing was changed.");

    // The new worker's reference copies are filled: their recorded foreign keys (to other reference tables) are added now.
    private async Task AddReferenceForeignKeysAsync(Node worker, CancellationToken cancellationToken)
    {
        await using var coordinator = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        var rows = await MetadataStore.ReadAsync(coordinator, null, cancellationToken).ConfigureAwait(false);
        var keys = rows.Tables.Where(t => t.Kind == "reference")
            .SelectMany(t => RecordedShape(t).ForeignKeys.Select(key => (Table: t.Name, Key: key))).ToList();
        if (keys.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(worker, cancellationToken).ConfigureAwait(false);
        var have = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(SELECT to_regclass(quote_ident(t)) FROM unnest($1) t)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keys.Select(k => k.Table).Distinct()] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                have.Add(reader.GetString(0));
            }
        }

        var missing = keys.Where(k => !have.Contains(k.Key.Name)).Select(k => TableDdl.AddForeignKey(k.Key, k.Table, null, k.Key.ReferencedTable, notValid: false)).ToList();
        if (missing.Count > 0)
        {
            await RunDdlAsync(worker, missing, connection, null, cancellationToken).ConfigureAwait(false);
        }
    }
}
