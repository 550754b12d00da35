using System.Globalization;
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

    /// <summary>Prepared parts rolled back (<c>ROLLBACK PREPARED</c>): their deciding session ended without recording a decision.</summary>
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
/// or lost a node): a part whose decision is recorded is committed, a part whose deciding session ended
/// without one is rolled back, a part whose deciding session still holds its lock is left to it.
/// Runs under an advisory lock on the coordinator, so that processes sharing the cluster take turns.
/// </summary>
internal static class TransactionRecovery
{
    private const long RecoveryLockKey = 0x5348_4152_4447_5258; // "SHARDGRX"

    // How long a run waits for another process's run to finish before giving up on this one.
    private const int LockWaitMilliseconds = 30_000;

    public static async Task<RecoveryResult> RunAsync(ShardedDataSource source, ShardMap map, CancellationToken cancellationToken)
    {
        // One connection per worker and one to the coordinator, taken in the order every caller takes them
        // (the workers by name, then the coordinator), before the run's lock: it never waits for a
        // connection out of that order, nor while it holds its lock.
        var workers = map.Workers.ToArray();
        Array.Sort(workers, Node.SlotOrder);
        var connections = new NpgsqlConnection?[workers.Length];
        var held = new List<Node>(workers.Length);
        try
        {
            for (var i = 0; i < workers.Length; i++)
            {
                try
                {
                    connections[i] = await workers[i].OpenConnectionAsync(held, null, cancellationToken).ConfigureAwait(false);
                    held.Add(workers[i]);
                }
                catch (Exception ex) when (ex is ShardGenException || Failures.IsServerFailure(ex))
                {
                    // Its parts wait for the next run.
                }
            }

            await using var coordinator = await source.OpenAsync(map.Coordinator, cancellationToken, held).ConfigureAwait(false);
            try
            {
                return await RunLockedAsync(workers, connections, coordinator, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex) when (ex is not PostgresException || Failures.IsUnavailable(ex))
            {
                throw new ShardGenException($"Recovery of distributed transactions failed on the coordinator {map.Coordinator}: {Failures.Underlying(ex, source.IncludeErrorDetail)}", ex);
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                if (connection is not null)
                {
                    await ShardedTransaction.CloseAsync(connection).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<RecoveryResult> RunLockedAsync(Node[] nodes, NpgsqlConnection?[] connections, NpgsqlConnection coordinator, CancellationToken cancellationToken)
    {
        // The wait for another process's run is bounded: a run that cannot start now leaves its work to the next.
        await ShardedTransaction.ExecuteAsync(coordinator, "BEGIN; SET LOCAL lock_timeout = " + LockWaitMilliseconds.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", coordinator))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RecoveryLockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // A cluster applied before these tables existed gets them here, under apply's lock too.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('shardgen.cluster') IS NOT NULL AND to_regclass('shardgen.commit_decisions') IS NOT NULL", coordinator))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                await using var applyLock = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", coordinator);
                applyLock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = MetadataStore.ApplyLockKey });
                await applyLock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await ShardedTransaction.ExecuteAsync(coordinator, MetadataStore.TransactionCatalogDdl, cancellationToken).ConfigureAwait(false);
            }
        }

        int clusterId;
        await using (var command = new NpgsqlCommand("SELECT cluster_id FROM shardgen.cluster", coordinator))
        {
            clusterId = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        // Records read before the parts are listed: a record whose parts are all gone afterwards is settled
        // (once a decision is recorded, its parts can only go away).
        var records = new List<Guid>();
        await using (var command = new NpgsqlCommand("SELECT transaction_id FROM shardgen.commit_decisions", coordinator))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                records.Add(reader.GetGuid(0));
            }
        }

        // Parts are prepared on workers only: the coordinator's part of a transaction is the session that decides.
        var listed = await Task.WhenAll(connections.Select(connection => ListPreparedAsync(connection, clusterId, cancellationToken))).ConfigureAwait(false);
        var unreachable = nodes.Where((_, i) => listed[i] is null).Select(n => n.Name).ToArray();

        // The fate of each transaction, read after its parts were listed. First its lock: whoever holds it is
        // still deciding (in flight); taking it proves the deciding session has ended, committed or not. Then,
        // with the locks held, its decision row: present, it committed; absent, it never will.
        var transactionIds = listed.Where(l => l is not null).SelectMany(l => l!).Select(p => p.TransactionId).Distinct().ToArray();
        var fates = new Dictionary<Guid, Fate>();
        if (transactionIds.Length > 0)
        {
            var ended = new HashSet<Guid>();
            await using (var command = new NpgsqlCommand("SELECT x FROM unnest($1::uuid[], $2::bigint[]) AS t(x, k) WHERE pg_try_advisory_xact_lock(k)", coordinator))
            {
                command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = transactionIds });
                command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = transactionIds.Select(GlobalTransactionId.LockKey).ToArray() });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ended.Add(reader.GetGuid(0));
                }
            }

            var decided = new HashSet<Guid>();
            await using (var command = new NpgsqlCommand("SELECT transaction_id FROM shardgen.commit_decisions WHERE transaction_id = ANY($1)", coordinator))
            {
                command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = transactionIds });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    decided.Add(reader.GetGuid(0));
                }
            }

            foreach (var id in transactionIds)
            {
                fates[id] = decided.Contains(id) ? Fate.Commit : ended.Contains(id) ? Fate.Rollback : Fate.InFlight;
            }
        }

        int committed = 0, rolledBack = 0, inFlight = 0, failed = 0;
        var unsettled = new HashSet<Guid>();
        var settled = await Task.WhenAll(connections.Select((connection, i) => SettleAsync(nodes[i], connection, listed[i] ?? [], fates, cancellationToken))).ConfigureAwait(false);
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
            await using var command = new NpgsqlCommand("DELETE FROM shardgen.commit_decisions WHERE transaction_id = ANY($1)", coordinator);
            command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = removable });
            removed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ShardedTransaction.ExecuteAsync(coordinator, "COMMIT", cancellationToken).ConfigureAwait(false);
        return new RecoveryResult(committed, rolledBack, inFlight, failed, removed, unreachable);
    }

    private static async Task<List<PreparedPart>?> ListPreparedAsync(NpgsqlConnection? connection, int clusterId, CancellationToken cancellationToken)
    {
        if (connection is null)
        {
            return null;
        }

        try
        {
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
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            return null;
        }
    }

    // Each part settled has a span under the run's (shardgen.recovery COMMIT PREPARED / ROLLBACK PREPARED), marked failed when
    // its statement fails.
    private static async Task<NodeOutcome> SettleAsync(
        Node node, NpgsqlConnection? connection, List<PreparedPart> parts, Dictionary<Guid, Fate> fates, CancellationToken cancellationToken)
    {
        var outcome = new NodeOutcome();
        if (parts.Count == 0 || connection is null)
        {
            return outcome;
        }

        try
        {
            foreach (var part in parts)
            {
                var fate = fates.GetValueOrDefault(part.TransactionId, Fate.InFlight);
                if (fate == Fate.InFlight)
                {
                    outcome.InFlight++;
                    outcome.Unsettled.Add(part.TransactionId);
                    continue;
                }

                var action = fate == Fate.Commit ? "COMMIT PREPARED" : "ROLLBACK PREPARED";
                using var span = Telemetry.StartStep($"shardgen.recovery {action}", action, node);
                try
                {
                    // Both statements refuse to run inside a transaction block: this connection has none.
                    await ShardedTransaction.ExecuteAsync(connection, $"{action} '{part.Gid}'", cancellationToken).ConfigureAwait(false);
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
                catch (PostgresException ex)
                {
                    Telemetry.SetError(span, ex);
                    outcome.Failed++;
                    outcome.Unsettled.Add(part.TransactionId);
                }
                catch (Exception ex) when (Failures.IsServerFailure(ex))
                {
                    Telemetry.SetError(span, ex);
                    throw;
                }
            }
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            outcome.Failed += parts.Count - outcome.Committed - outcome.RolledBack - outcome.InFlight;
            outcome.Unsettled.UnionWith(parts.Select(p => p.TransactionId));
        }

        return outcome;
    }

    private enum Fate
    {
        InFlight,
        Commit,
        Rollback,
    }

    private readonly record struct PreparedPart(string Gid, Guid TransactionId);

    private sealed class NodeOutcome
    {
        public int Committed;
        public int RolledBack;
        public int InFlight;
        public int Failed;
        public readonly HashSet<Guid> Unsettled = [];
    }
}
