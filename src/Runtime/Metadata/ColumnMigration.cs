using System.Globalization;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The additive part of an apply on the native engine: the nullable columns the model has and the cluster's tables lack
/// are added to every physical copy (each shard table on its worker, every reference copy, the coordinator's local
/// tables) and recorded, all in one distributed transaction that commits everywhere or nowhere (two-phase commit, the
/// coordinator's part deciding), under apply's advisory lock. See "Changing the model" in docs/schema.md.
/// </summary>
internal static class ColumnMigration
{
    /// <summary>
    /// Adds what the metadata, read again under apply's lock, still lacks: a process that applied the same model
    /// meanwhile leaves nothing to do. <paramref name="map"/> is the map of the apply that found columns to add; its
    /// workers' connections are taken before the lock, in the order every caller takes them.
    /// </summary>
    /// <exception cref="SchemaMismatchException">The cluster changed meanwhile in a way an apply of the model refuses.</exception>
    public static async Task RunAsync(ShardedDataSource source, ShardMap map, Func<MetadataRows, ShardMap> buildMap, CancellationToken cancellationToken)
    {
        var transaction = new ShardedTransaction(source, ShardedTransactionOptions.Default);
        await using (transaction.ConfigureAwait(false))
        {
            var coordinatorNode = source.Coordinator;
            var connectionOf = await transaction.EnlistInOrderAsync(
                map.Workers.Append(coordinatorNode), node => $"adding columns on node '{node.Name}'", node => ex => Failed(source, node, ex), cancellationToken).ConfigureAwait(false);
            var coordinator = connectionOf(coordinatorNode);
            await LockApplyAsync(coordinator, transaction.Options.LockTimeout, cancellationToken).ConfigureAwait(false);

            var rows = await MetadataStore.ReadAsync(coordinator, null, cancellationToken).ConfigureAwait(false);
            var recorded = rows.Tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
            var refused = new List<string>();
            var additions = new List<(TableDefinition Table, ColumnDefinition[] Columns, TableShape Recorded)>();
            foreach (var table in source.Schema.Tables)
            {
                if (!recorded.TryGetValue(table.Name, out var row))
                {
                    continue;
                }

                var comparison = TableComparison.Of(table, row);
                refused.AddRange(comparison.ForApply());
                if (comparison.Additions.ToArray() is { Length: > 0 } columns)
                {
                    additions.Add((table, columns, comparison.Recorded!.Merge(table)));
                }
            }

            if (refused.Count > 0)
            {
                throw new SchemaMismatchException(refused);
            }

            if (additions.Count == 0)
            {
                return;
            }

            var current = buildMap(rows);
            var statements = new Dictionary<Node, List<string>>();
            void Add(Node node, string table, ColumnDefinition[] columns)
            {
                if (!statements.TryGetValue(node, out var list))
                {
                    statements[node] = list = [];
                }

                list.Add($"ALTER TABLE {Identifiers.Quote(table)} "
                    + string.Join(", ", columns.Select(c => $"ADD COLUMN IF NOT EXISTS {Identifiers.Quote(c.Name)} {c.SqlType}")));
            }

            foreach (var (table, columns, _) in additions)
            {
                switch (table.Kind)
                {
                    case TableKind.Distributed:
                        var routes = current.RoutesOf(table);
                        for (var shard = 0; shard < routes.ShardTables.Length; shard++)
                        {
                            Add(routes.Group!.NodeOfShard(shard), routes.ShardTables[shard], columns);
                        }

                        break;
                    case TableKind.Reference:
                        foreach (var node in current.Workers.Prepend(coordinatorNode))
                        {
                            Add(node, table.Name, columns);
                        }

                        break;
                    default:
                        Add(coordinatorNode, table.Name, columns);
                        break;
                }
            }

            // A worker the apply's map did not have (added by another process since) is enlisted now, out of order:
            // it takes a connection only if one is free at once.
            var work = new List<(Node Node, NpgsqlConnection Connection, List<string> Statements)>();
            foreach (var (node, list) in statements.OrderBy(s => s.Key, Comparer<Node>.Create(Node.SlotOrder)))
            {
                var connection = await transaction.ConnectionAsync(node, () => $"adding columns on node '{node.Name}'", ex => Failed(source, node, ex), cancellationToken).ConfigureAwait(false);
                work.Add((node, connection, list));
            }

            await Task.WhenAll(work.Select(w => RunOnNodeAsync(source, w.Node, w.Connection, w.Statements, cancellationToken))).ConfigureAwait(false);

            await using (var record = new NpgsqlBatch(coordinator))
            {
                foreach (var (table, _, shape) in additions)
                {
                    var canonical = CanonicalText.Of(shape);
                    record.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE shardgen.tables SET canonical = $2, fingerprint = $3 WHERE table_name = $1")
                    {
                        Parameters =
                        {
                            new NpgsqlParameter<string> { TypedValue = table.Name },
                            new NpgsqlParameter<string> { TypedValue = canonical },
                            new NpgsqlParameter<string> { TypedValue = CanonicalText.Fingerprint(canonical) },
                        },
                    });
                }

                record.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE shardgen.metadata SET version = version + 1"));
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // Apply's lock is waited for as long as it takes (as the apply that found the columns did); the ALTERs that follow
    // wait for their tables' locks no longer than a transaction does, so that a long transaction on a shard fails the
    // migration (nothing changed; run it again) rather than stall every call queued behind it.
    private static async Task LockApplyAsync(NpgsqlConnection coordinator, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(coordinator)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SET LOCAL lock_timeout = 0"),
                new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)") { Parameters = { new NpgsqlParameter<long> { TypedValue = MetadataStore.ApplyLockKey } } },
                new NpgsqlBatchCommand(string.Create(CultureInfo.InvariantCulture, $"SET LOCAL lock_timeout = {(long)Math.Ceiling(lockTimeout.TotalMilliseconds)}")),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task RunOnNodeAsync(ShardedDataSource source, Node node, NpgsqlConnection connection, List<string> statements, CancellationToken cancellationToken)
    {
        try
        {
            await using var batch = new NpgsqlBatch(connection);
            foreach (var statement in statements)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            throw Failed(source, node, ex);
        }
    }

    private static ShardGenException Failed(ShardedDataSource source, Node node, Exception ex) =>
        new($"Adding columns on node '{node.Name}' ({node.Host}:{node.Port}) failed: {Failures.Underlying(ex, source.IncludeErrorDetail)}. "
            + "Nothing was changed on any node; run ApplySchemaAsync again.", ex);
}
