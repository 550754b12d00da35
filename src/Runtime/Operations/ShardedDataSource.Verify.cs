using System.Globalization;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

// Verifying a native cluster's data against its metadata (docs/operations.md).
public sealed partial class ShardedDataSource
{
    /// <summary>
    /// Checks the cluster's data against its metadata, reading every row: each shard table is on the worker that holds
    /// it and on no other, has its hash-range check, and holds only rows whose key PostgreSQL's own hash function
    /// (<c>hashint8</c>, <c>hashtext</c>, ... on the worker) puts in the shard's range; each worker's reference copies hold
    /// the coordinator's rows (row count and XxHash128 checksum, compared while reference writes wait). Changes nothing.
    /// Key values are not named in what it reports.
    /// </summary>
    public async Task<ClusterVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        RefuseOnCitus("SELECT * FROM citus_check_cluster_node_health()");
        await using var coordinator = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        var rows = await MetadataStore.ReadAsync(coordinator, null, cancellationToken).ConfigureAwait(false);
        var map = BuildMap(rows, verify: false);
        var problems = new List<VerificationProblem>();
        var shardTables = 0;
        var shardRows = 0L;
        var tables = rows.Tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var keyTypes = rows.Groups.ToDictionary(g => g.Id, g => g.KeyType);
        var shardsByPhysical = rows.Shards.ToDictionary(s => Identifiers.ShardTable(s.Table, s.ShardId), StringComparer.Ordinal);
        foreach (var nodeRow in rows.Nodes.Where(n => n.Role == "worker"))
        {
            var node = NodeFor(nodeRow);
            await using var connection = await OpenAsync(node, cancellationToken).ConfigureAwait(false);

            // Which shard tables of the cluster are in reach of routed statements on this worker.
            var present = new HashSet<string>(StringComparer.Ordinal);
            await using (var command = new NpgsqlCommand("SELECT t FROM unnest($1) t WHERE to_regclass(quote_ident(t)) IS NOT NULL", connection))
            {
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. shardsByPhysical.Keys] });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    present.Add(reader.GetString(0));
                }
            }

            foreach (var (physical, shard) in shardsByPhysical.Where(s => s.Value.NodeId == nodeRow.Id))
            {
                var table = tables[shard.Table];
                if (!present.Contains(physical))
                {
                    problems.Add(new VerificationProblem(shard.Table, shard.ShardId, node.Name, $"shard table \"{physical}\" is missing on worker '{node.Name}', which the metadata says holds it"));
                    continue;
                }

                shardTables++;
                var hash = keyTypes[table.GroupId!.Value].HashFunction();
                var column = Identifiers.Quote(table.DistributionColumn!);
                await using var command = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture,
                    $"""
                    SELECT count(*), count(*) FILTER (WHERE {column} IS NULL OR {hash}({column}) NOT BETWEEN $1 AND $2),
                           EXISTS (SELECT FROM pg_constraint WHERE conrelid = to_regclass($3) AND conname = $4 AND contype = 'c')
                      FROM {Identifiers.Quote(physical)}
                    """), connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = shard.MinHash });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = shard.MaxHash });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Identifiers.Quote(physical) });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = physical + "_hash_range" });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                shardRows += reader.GetInt64(0);
                if (reader.GetInt64(1) is > 0 and var misplaced)
                {
                    problems.Add(new VerificationProblem(shard.Table, shard.ShardId, node.Name, string.Create(CultureInfo.InvariantCulture,
                        $"{misplaced} rows of shard table \"{physical}\" on worker '{node.Name}' have a key whose {hash} is outside the shard's range [{shard.MinHash}, {shard.MaxHash}]: they belong to another shard")));
                }

                if (!reader.GetBoolean(2))
                {
                    problems.Add(new VerificationProblem(shard.Table, shard.ShardId, node.Name, $"shard table \"{physical}\" on worker '{node.Name}' lacks its hash-range check \"{physical}_hash_range\": the server does not refuse misrouted rows"));
                }
            }

            // A copy of a shard on a worker the metadata does not place it on would be a second writable copy.
            foreach (var stray in present.Where(t => shardsByPhysical[t].NodeId != nodeRow.Id).Order(StringComparer.Ordinal))
            {
                var shard = shardsByPhysical[stray];
                problems.Add(new VerificationProblem(shard.Table, shard.ShardId, node.Name,
                    $"worker '{node.Name}' has shard table \"{stray}\" in reach of routed statements, but the metadata places it on '{rows.Nodes.First(n => n.Id == shard.NodeId).Name}'"));
            }
        }

        var referenceCopies = await VerifyReferenceCopiesAsync(coordinator, rows, map, problems, cancellationToken).ConfigureAwait(false);
        return new ClusterVerification(shardTables, shardRows, referenceCopies, problems);
    }

    // Every ready worker's copy of every reference table against the coordinator's, in one coordinator transaction that
    // holds the tables in SHARE mode (reference writes take ROW EXCLUSIVE there first, so they wait). A write prepared
    // before the lock may still be committing on a worker: a difference is looked at again a few times before it is reported.
    private async Task<int> VerifyReferenceCopiesAsync(NpgsqlConnection coordinator, MetadataRows rows, ShardMap map, List<VerificationProblem> problems, CancellationToken cancellationToken)
    {
        var references = rows.Tables.Where(t => t.Kind == "reference").Select(t => (t.Name, Shape: RecordedShape(t))).ToList();
        if (references.Count == 0)
        {
            return 0;
        }

        await using var transaction = await coordinator.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand($"LOCK TABLE {string.Join(", ", references.Select(r => Identifiers.Quote(r.Name)))} IN SHARE MODE", coordinator, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var expected = new List<(long Rows, UInt128 Checksum)>();
        foreach (var (name, shape) in references)
        {
            expected.Add(await ShardChecksum.ComputeAsync(coordinator, shape, null, name, null, cancellationToken).ConfigureAwait(false));
        }

        var checkedCopies = 0;
        foreach (var worker in map.ReadableCopies)
        {
            await using var connection = await OpenAsync(worker, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < references.Count; i++)
            {
                var (name, shape) = references[i];
                checkedCopies++;
                (long Rows, UInt128 Checksum) actual = default;
                for (var attempt = 0; attempt < 5 && actual != expected[i]; attempt++)
                {
                    if (attempt > 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
                    }

                    actual = await ShardChecksum.ComputeAsync(connection, shape, null, name, null, cancellationToken).ConfigureAwait(false);
                }

                if (actual != expected[i])
                {
                    problems.Add(new VerificationProblem(name, null, worker.Name, string.Create(CultureInfo.InvariantCulture,
                        $"the reference copy of \"{name}\" on worker '{worker.Name}' differs from the coordinator's: {actual.Rows} rows (checksum {actual.Checksum:x32}) against {expected[i].Rows} (checksum {expected[i].Checksum:x32})")));
                }
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return checkedCopies;
    }
}

/// <summary>What <see cref="ShardedDataSource.VerifyAsync"/> checked and found.</summary>
/// <param name="ShardTables">Shard tables read.</param>
/// <param name="ShardRows">Rows of shard tables whose placement was checked.</param>
/// <param name="ReferenceCopies">Worker copies of reference tables compared with the coordinator's.</param>
/// <param name="Problems">Every difference between the data and the metadata; none when the cluster is sound.</param>
public sealed record ClusterVerification(int ShardTables, long ShardRows, int ReferenceCopies, IReadOnlyList<VerificationProblem> Problems)
{
    /// <summary>Whether nothing was found.</summary>
    public bool IsSound => Problems.Count == 0;
}

/// <summary>One difference between a cluster's data and its metadata.</summary>
/// <param name="Table">The table.</param>
/// <param name="ShardId">The shard, for a shard table.</param>
/// <param name="Node">The node that holds the copy.</param>
/// <param name="Message">What is wrong, naming table, shard and node (never a key value).</param>
public sealed record VerificationProblem(string Table, long? ShardId, string Node, string Message);
