using Npgsql;

namespace ShardGen;

/// <summary>What one run of <see cref="ShardedDataSource.RecoverAsync"/> found and did.</summary>
public sealed class RecoveryResult
{
    internal RecoveryResult(int committed, int rolledBack, int inFlight, int failed, int recordsRemoved, IReadOnlyList<string> unreachableNodes)
    {
        Committed = committed;
        RolledBack = rolledBack;
        InFlight = inFlight;
        Failed = failed;
        RecordsRemoved = recordsRemoved;
        UnreachableNodes = unreachableNodes;
    }

    /// <summary>Prepared parts committed (<c>COMMIT PREPARED</c>): their commit decision was recorded.</summary>
    public int Committed { get; }

    /// <summary>Prepared parts rolled back (<c>ROLLBACK PREPARED</c>): their coordinator transaction ended without a decision.</summary>
    public int RolledBack { get; }

    /// <summary>Prepared parts left alone because their transaction is still committing.</summary>
    public int InFlight { get; }

    /// <summary>Prepared parts that could not be settled now (the statement failed); the next run tries again.</summary>
    public int Failed { get; }

    /// <summary>Decision records removed because no part of their transaction is prepared anywhere any more.</summary>
    public int RecordsRemoved { get; }

    /// <summary>Nodes whose prepared transactions could not be listed; their parts wait for the next run.</summary>
    public IReadOnlyList<string> UnreachableNodes { get; }

    public override string ToString() =>
        $"committed {Committed}, rolled back {RolledBack}, in flight {InFlight}, failed {Failed}, records removed {RecordsRemoved}"
        + (UnreachableNodes.Count > 0 ? $", unreachable: {string.Join(", ", UnreachableNodes)}" : "");
}

/// <summary>
/// Settles the prepared parts of distributed transactions that their committer left behind (it crashed,
/// or lost a node): a part whose decision is recorded is committed, a part whose coordinator transaction
/// ended without one is rolled back, a part whose coordinator transaction is still running is left to it.
/// Runs under an advisory lock on the coordinator, so that processes sharing the cluster take turns.
/// </summary>
internal static class TransactionRecovery
{
    private const long RecoveryLockKey = 0x5348_4152_4447_5258; // "SHARDGRX"

    public static async Task<RecoveryResult> RunAsync(ShardedDataSource source, ShardMap map, CancellationToken cancellationToken)
    {
        await using var coordinator = await source.OpenAsync(map.Coordinator, cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunLockedAsync(source, map, coordinator, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException || Failures.IsUnavailable(ex))
        {
            throw new ShardGenException($"Recovery of distributed transactions failed on the coordinator {map.Coordinator}: {ex.Message}", ex);
        }
    }

    private static async Task<RecoveryResult> RunLockedAsync(ShardedDataSource source, ShardMap map, NpgsqlConnection coordinator, CancellationToken cancellationToken)
    {
        await ExecuteAsync(coordinator, "BEGIN", cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", coordinator))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RecoveryLockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // A cluster applied before transactions existed gets their tables here, under apply's lock too.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('shardgen.cluster') IS NOT NULL AND to_regclass('shardgen.transactions') IS NOT NULL", coordinator))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                await using var applyLock = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", coordinator);
                applyLock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = MetadataStore.ApplyLockKey });
                await applyLock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(coordinator, MetadataStore.TransactionCatalogDdl, cancellationToken).ConfigureAwait(false);
            }
        }

        int clusterId;
        await using (var command = new NpgsqlCommand("SELECT cluster_id FROM shardgen.cluster", coordinator))
        {
            clusterId = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        // Records read before the parts are listed: a record whose parts are all gone afterwards is settled
        // (once a decision is recorded, its parts can only go away).
        var records = new List<long>();
        await using (var command = new NpgsqlCommand("SELECT transaction_id FROM shardgen.transactions", coordinator))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                records.Add(reader.GetInt64(0));
            }
        }

        Node[] nodes = [map.Coordinator, .. map.Workers];
        var listed = await Task.WhenAll(nodes.Select(node => ListPreparedAsync(source, node, clusterId, cancellationToken))).ConfigureAwait(false);
        var unreachable = nodes.Where((_, i) => listed[i] is null).Select(n => n.Name).ToArray();

        // The fate of each coordinator transaction, read after the parts were listed: one that committed
        // since is seen as committed, so a part is never rolled back under a decision being recorded.
        var transactionIds = listed.Where(l => l is not null).SelectMany(l => l!).Select(p => p.TransactionId).Distinct().ToArray();
        var fates = new Dictionary<long, Fate>();
        if (transactionIds.Length > 0)
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT x, EXISTS (SELECT 1 FROM shardgen.transactions t WHERE t.transaction_id = x), pg_xact_status(x::text::xid8)
                  FROM unnest($1::bigint[]) AS x
                """,
                coordinator);
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = transactionIds });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var decided = reader.GetBoolean(1);
                var status = reader.IsDBNull(2) ? null : reader.GetString(2);
                fates[reader.GetInt64(0)] = decided || status == "committed" ? Fate.Commit
                    : status == "in progress" ? Fate.InFlight
                    : Fate.Rollback;
            }
        }

        int committed = 0, rolledBack = 0, inFlight = 0, failed = 0;
        var unsettled = new HashSet<long>();
        var settled = await Task.WhenAll(nodes.Select((node, i) => SettleAsync(source, node, listed[i] ?? [], fates, cancellationToken))).ConfigureAwait(false);
        foreach (var outcome in settled)
        {
            committed += outcome.Committed;
            rolledBack += outcome.RolledBack;
            inFlight += outcome.InFlight;
            failed += outcome.Failed;
            unsettled.UnionWith(outcome.Unsettled);
        }

        var removable = unreachable.Length > 0 ? [] : records.Where(r => !unsettled.Contains(r)).ToArray();
        var removed = 0;
        if (removable.Length > 0)
        {
            await using var command = new NpgsqlCommand("DELETE FROM shardgen.transactions WHERE transaction_id = ANY($1)", coordinator);
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = removable });
            removed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(coordinator, "COMMIT", cancellationToken).ConfigureAwait(false);
        return new RecoveryResult(committed, rolledBack, inFlight, failed, removed, unreachable);
    }

    private static async Task<List<PreparedPart>?> ListPreparedAsync(ShardedDataSource source, Node node, int clusterId, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await source.OpenAsync(node, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND gid LIKE $1 ORDER BY gid", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = GlobalTransactionId.Pattern(clusterId) });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var parts = new List<PreparedPart>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var gid = reader.GetString(0);
                if (GlobalTransactionId.TryParse(gid, clusterId, out var transactionId))
                {
                    parts.Add(new PreparedPart(gid, transactionId));
                }
            }

            return parts;
        }
        catch (Exception ex) when (ex is ShardGenException || Failures.IsServerFailure(ex))
        {
            return null;
        }
    }

    private static async Task<NodeOutcome> SettleAsync(
        ShardedDataSource source, Node node, List<PreparedPart> parts, Dictionary<long, Fate> fates, CancellationToken cancellationToken)
    {
        var outcome = new NodeOutcome();
        if (parts.Count == 0)
        {
            return outcome;
        }

        NpgsqlConnection? connection = null;
        try
        {
            connection = await source.OpenAsync(node, cancellationToken).ConfigureAwait(false);
            foreach (var part in parts)
            {
                var fate = fates.GetValueOrDefault(part.TransactionId, Fate.InFlight);
                if (fate == Fate.InFlight)
                {
                    outcome.InFlight++;
                    outcome.Unsettled.Add(part.TransactionId);
                    continue;
                }

                try
                {
                    // Both statements refuse to run inside a transaction block: this connection has none.
                    await ExecuteAsync(connection, fate == Fate.Commit ? $"COMMIT PREPARED '{part.Gid}'" : $"ROLLBACK PREPARED '{part.Gid}'", cancellationToken).ConfigureAwait(false);
                    if (fate == Fate.Commit)
                    {
                        outcome.Committed++;
                    }
                    else
                    {
                        outcome.RolledBack++;
                    }
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedObject)
                {
                    // Settled meanwhile by its committer.
                }
                catch (PostgresException)
                {
                    outcome.Failed++;
                    outcome.Unsettled.Add(part.TransactionId);
                }
            }
        }
        catch (Exception ex) when (ex is ShardGenException || Failures.IsServerFailure(ex))
        {
            outcome.Failed += parts.Count - outcome.Committed - outcome.RolledBack - outcome.InFlight;
            outcome.Unsettled.UnionWith(parts.Select(p => p.TransactionId));
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        return outcome;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private enum Fate
    {
        InFlight,
        Commit,
        Rollback,
    }

    private readonly record struct PreparedPart(string Gid, long TransactionId);

    private sealed class NodeOutcome
    {
        public int Committed;
        public int RolledBack;
        public int InFlight;
        public int Failed;
        public readonly HashSet<long> Unsettled = [];
    }
}
