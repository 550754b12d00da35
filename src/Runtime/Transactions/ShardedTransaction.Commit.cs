using System.Runtime.ExceptionServices;
using Npgsql;

namespace ShardGen;

// The commit protocol, as Citus runs it: PREPARE TRANSACTION on every node that wrote, the decision
// recorded on the coordinator in the coordinator's own transaction, then COMMIT PREPARED everywhere.
public sealed partial class ShardedTransaction
{
    private async Task CommitCoreAsync(CancellationToken cancellationToken)
    {
        Participant[] participants;
        lock (_participants)
        {
            participants = [.. _participants];
        }

        if (participants.Length == 0)
        {
            _status = ShardedTransactionStatus.Committed;
            return;
        }

        if (participants.Length == 1)
        {
            await CommitOneAsync(participants[0]).ConfigureAwait(false);
            return;
        }

        // Only nodes where the transaction has an xid wrote something (or locked rows): the others need
        // no prepare, and a transaction that wrote on one node stays a plain one.
        var wrote = await Task.WhenAll(participants.Select(p => TryAsync(() => WroteAsync(p, cancellationToken)))).ConfigureAwait(false);
        for (var i = 0; i < participants.Length; i++)
        {
            if (wrote[i].Error is { } error)
            {
                await RollbackCoreAsync().ConfigureAwait(false);
                throw new ShardTransactionException(
                    $"The transaction could not commit: node '{participants[i].Node.Name}' ({participants[i].Node.Host}:{participants[i].Node.Port}) failed before the commit began: {Failures.Underlying(error, _source.IncludeErrorDetail)}. It was rolled back on every node.",
                    error);
            }
        }

        var writers = participants.Where((_, i) => wrote[i].Value).ToArray();
        await Task.WhenAll(participants.Where((_, i) => !wrote[i].Value).Select(EndReadOnlyAsync)).ConfigureAwait(false);
        if (writers.Length == 0)
        {
            _status = ShardedTransactionStatus.Committed;
            return;
        }

        if (writers.Length == 1)
        {
            await CommitOneAsync(writers[0]).ConfigureAwait(false);
            return;
        }

        try
        {
            await TwoPhaseCommitAsync(writers, cancellationToken).ConfigureAwait(false);
        }
        catch (SimulatedCrashException crash)
        {
            _status = ShardedTransactionStatus.Failed;
            ExceptionDispatchInfo.Throw(crash.InnerException!);
        }
    }

    private async Task TwoPhaseCommitAsync(Participant[] writers, CancellationToken cancellationToken)
    {
        UsedTwoPhaseCommit = true;
        var coordinator = _source.Coordinator;
        var transactionId = GlobalTransactionId.NewTransactionId();

        // 1. The session that decides. When the coordinator wrote, its own part decides: its COMMIT, with
        // the decision row in it, is the commit point (as Citus commits the coordinator's local part), so
        // it is never prepared. Otherwise a new coordinator transaction. Either way the session takes the
        // transaction's lock before any part is prepared and holds it until the decision commits or aborts.
        var decider = writers.FirstOrDefault(w => ReferenceEquals(w.Node, coordinator));
        var parts = writers.Where(w => w != decider).ToArray();
        var decision = decider?.Connection;
        if (decision is null)
        {
            decision = await _source.OpenAsync(coordinator, cancellationToken, HeldNodes()).ConfigureAwait(false);
            _decision = decision;
        }

        int clusterId;
        try
        {
            await using var begin = new NpgsqlBatch(decision);
            if (decider is null)
            {
                begin.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
            }

            var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1), (SELECT cluster_id FROM shardgen.cluster)");
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = GlobalTransactionId.LockKey(transactionId) });
            begin.BatchCommands.Add(lockCommand);
            await using var reader = await begin.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            clusterId = reader.GetInt32(1);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            await RollbackPreparedAsync().ConfigureAwait(false);
            throw new ShardTransactionException(
                $"The transaction could not commit: the coordinator {coordinator} could not begin recording it: {Failures.Underlying(ex, _source.IncludeErrorDetail)}. It was rolled back on every node.", ex);
        }

        for (var i = 0; i < parts.Length; i++)
        {
            parts[i].Gid = GlobalTransactionId.Format(clusterId, transactionId, i + 1);
        }

        PreparedOn = parts.Select(w => w.Node.Name).ToArray();

        // 2. Prepare every other part, in parallel. A failure here rolls everything back.
        var prepared = await Task.WhenAll(parts.Select(w => TryAsync(async () =>
        {
            await StepAsync(TransactionStep.Prepare, w.Node).ConfigureAwait(false);
            await InStepAsync("PREPARE TRANSACTION", w.Node, () => ExecuteAsync(w.Connection, $"PREPARE TRANSACTION '{w.Gid}'", cancellationToken)).ConfigureAwait(false);
            w.Prepared = true;
            return true;
        }))).ConfigureAwait(false);
        await AbandonOnCrashAsync(prepared.Select(p => p.Error)).ConfigureAwait(false);
        if (FirstFailure(parts, prepared.Select(p => p.Error)) is { } failedPrepare)
        {
            await RollbackPreparedAsync().ConfigureAwait(false);
            throw new ShardTransactionException(
                $"The transaction was rolled back on every node: PREPARE TRANSACTION failed on node '{failedPrepare.Node.Name}' ({failedPrepare.Node.Host}:{failedPrepare.Node.Port}): {Failures.Underlying(failedPrepare.Error, _source.IncludeErrorDetail)}",
                failedPrepare.Error);
        }

        // 3. Record the decision. Committing the deciding session is the commit point.
        await AbandonOnCrashAsync([await TryAsync(() => StepAsync(TransactionStep.RecordDecision, null))]).ConfigureAwait(false);
        try
        {
            await InStepAsync("record decision", coordinator, async () =>
            {
                await using var record = new NpgsqlCommand("INSERT INTO shardgen.commit_decisions (transaction_id, participants) VALUES ($1, $2)", decision);
                record.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = transactionId });
                record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = parts.Length });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            await RollbackPreparedAsync().ConfigureAwait(false);
            throw new ShardTransactionException(
                $"The transaction was rolled back on every node: its commit decision could not be recorded on the coordinator {coordinator}: {Failures.Underlying(ex, _source.IncludeErrorDetail)}", ex);
        }

        await AbandonOnCrashAsync([await TryAsync(() => StepAsync(TransactionStep.CommitDecision, null))]).ConfigureAwait(false);
        _deciding = true;
        var recordError = await TryAsync(() => InStepAsync("COMMIT decision", coordinator, () => ExecuteAsync(decision, "COMMIT", CancellationToken.None))).ConfigureAwait(false);

        await CloseAsync(decision).ConfigureAwait(false);
        if (recordError is { } lost)
        {
            // The commit point itself failed: once the deciding session's lock is free, its decision is final.
            var decided = await DecisionOfAsync(transactionId).ConfigureAwait(false);
            if (decided == false)
            {
                _deciding = false;
                await RollbackPreparedAsync().ConfigureAwait(false);
                throw new ShardTransactionException(
                    $"The transaction was rolled back on every node: recording its commit decision on the coordinator {coordinator} failed: {Failures.Underlying(lost, _source.IncludeErrorDetail)}", lost);
            }

            if (decided is null)
            {
                _status = ShardedTransactionStatus.Failed;
                await CloseAllAsync().ConfigureAwait(false);
                throw new ShardTransactionException(
                    $"The outcome of the transaction is not known: the coordinator {coordinator} went away while recording its commit decision ({Failures.Underlying(lost, _source.IncludeErrorDetail)}). "
                    + $"Its parts stay prepared on {string.Join(", ", parts.Select(w => $"'{w.Node.Name}'"))} until recovery (ShardedDataSource.RecoverAsync, or its timer) commits them all or rolls them all back.",
                    lost,
                    outcomeUnknown: true);
            }
        }

        // 4. Committed: make every part visible. A part that cannot be reached now is recovery's to commit.
        _status = ShardedTransactionStatus.Committed;
        var committed = await Task.WhenAll(parts.Select(w => TryAsync(async () =>
        {
            await StepAsync(TransactionStep.CommitPrepared, w.Node).ConfigureAwait(false);
            await InStepAsync("COMMIT PREPARED", w.Node, () => CommitPreparedAsync(w)).ConfigureAwait(false);
            return true;
        }))).ConfigureAwait(false);
        await AbandonOnCrashAsync(committed.Select(c => c.Error)).ConfigureAwait(false);
        if (committed.All(c => c.Error is null))
        {
            await AbandonOnCrashAsync([await TryAsync(() => StepAsync(TransactionStep.Forget, null))]).ConfigureAwait(false);
            await ForgetAsync(transactionId).ConfigureAwait(false);
        }

        await CloseAllAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// COMMIT PREPARED of a decided part, on its own connection and, if that connection was cut, at once on
    /// a fresh one, so that the part does not keep its row locks until recovery. A part that is gone was
    /// committed by recovery, which only commits once a decision is recorded.
    /// </summary>
    private async Task CommitPreparedAsync(Participant part)
    {
        var error = await TryAsync(() => CommitPreparedAsync(part.Connection, part.Gid!)).ConfigureAwait(false);
        if (error is null)
        {
            return;
        }

        if (!Failures.IsUnavailable(error))
        {
            ExceptionDispatchInfo.Throw(error);
        }

        await using var fresh = await _source.OpenAsync(part.Node, CancellationToken.None, HeldNodes().Where(n => n != part.Node)).ConfigureAwait(false);
        await CommitPreparedAsync(fresh, part.Gid!).ConfigureAwait(false);
    }

    /// <summary>COMMIT PREPARED; a part that is gone was committed by recovery, which only commits once a decision is recorded.</summary>
    private static async Task CommitPreparedAsync(NpgsqlConnection connection, string gid)
    {
        try
        {
            await ExecuteAsync(connection, $"COMMIT PREPARED '{gid}'", CancellationToken.None).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedObject)
        {
            // Settled already.
        }
    }

    private async Task CommitOneAsync(Participant participant)
    {
        var node = participant.Node;
        var error = await TryAsync(() => ExecuteAsync(participant.Connection, "COMMIT", CancellationToken.None)).ConfigureAwait(false);
        await CloseAsync(participant.Connection).ConfigureAwait(false);
        if (error is null)
        {
            _status = ShardedTransactionStatus.Committed;
            return;
        }

        var unknown = Failures.IsUnavailable(error);
        _status = unknown ? ShardedTransactionStatus.Failed : ShardedTransactionStatus.RolledBack;
        throw new ShardTransactionException(
            unknown
                ? $"The outcome of the transaction is not known: the connection to node '{node.Name}' ({node.Host}:{node.Port}) was lost during COMMIT: {Failures.Underlying(error, _source.IncludeErrorDetail)}"
                : $"The transaction was rolled back: COMMIT failed on node '{node.Name}' ({node.Host}:{node.Port}): {Failures.Underlying(error, _source.IncludeErrorDetail)}",
            error,
            unknown);
    }

    private static async Task<bool> WroteAsync(Participant participant, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_current_xact_id_if_assigned() IS NOT NULL", participant.Connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task EndReadOnlyAsync(Participant participant)
    {
        await TryAsync(() => ExecuteAsync(participant.Connection, "COMMIT", CancellationToken.None)).ConfigureAwait(false);
        await CloseAsync(participant.Connection).ConfigureAwait(false);
    }

    // Before the decision is recorded: every prepared part is rolled back, the others' transactions too,
    // and the deciding session (if still open) ends without a decision. What cannot be reached now is left
    // to recovery, which rolls back a part whose deciding session ended without a decision.
    private async Task RollbackPreparedAsync()
    {
        if (_decision is { } decision)
        {
            _decision = null;
            await TryAsync(() => InStepAsync("ROLLBACK decision", _source.Coordinator, () => ExecuteAsync(decision, "ROLLBACK", CancellationToken.None), UsedTwoPhaseCommit)).ConfigureAwait(false);
            await CloseAsync(decision).ConfigureAwait(false);
        }

        await RollbackCoreAsync().ConfigureAwait(false);
    }

    private async Task RollbackCoreAsync()
    {
        Participant[] participants;
        lock (_participants)
        {
            participants = [.. _participants];
        }

        await Task.WhenAll(participants.Select(async p =>
        {
            // A span per part when a two-phase commit rolls back.
            var (step, sql) = p.Prepared ? ("ROLLBACK PREPARED", $"ROLLBACK PREPARED '{p.Gid}'") : ("ROLLBACK", "ROLLBACK");
            await TryAsync(() => InStepAsync(step, p.Node, () => ExecuteAsync(p.Connection, sql, CancellationToken.None), UsedTwoPhaseCommit)).ConfigureAwait(false);
            if (!p.Prepared && p.Gid is not null)
            {
                // Its PREPARE did not report success (it failed, was cancelled, or its answer was lost): if it was
                // prepared all the same, the part goes now rather than at the next recovery.
                await TryAsync(() => ExecuteAsync(p.Connection, $"ROLLBACK PREPARED '{p.Gid}'", CancellationToken.None)).ConfigureAwait(false);
            }

            await CloseAsync(p.Connection).ConfigureAwait(false);
        })).ConfigureAwait(false);
        _status = ShardedTransactionStatus.RolledBack;
    }

    private async Task CloseAllAsync()
    {
        Participant[] participants;
        lock (_participants)
        {
            participants = [.. _participants];
        }

        foreach (var participant in participants)
        {
            await CloseAsync(participant.Connection).ConfigureAwait(false);
        }

        if (_decision is { } decision)
        {
            _decision = null;
            await CloseAsync(decision).ConfigureAwait(false);
        }
    }

    // A fault hook threw: the process "died" here. Its connections close (as the OS would close them),
    // nothing else is sent, and what is prepared stays prepared for recovery.
    private async Task AbandonOnCrashAsync(IEnumerable<Exception?> errors)
    {
        var crash = errors.OfType<SimulatedCrashException>().FirstOrDefault();
        if (crash is null)
        {
            return;
        }

        await CloseAllAsync().ConfigureAwait(false);
        throw crash;
    }

    private async Task StepAsync(TransactionStep step, Node? node)
    {
        if (_source.FaultHook is not { } hook)
        {
            return;
        }

        try
        {
            await hook(step, node?.Name).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw new SimulatedCrashException(ex);
        }
    }

    /// <summary>
    /// Whether the decision of <paramref name="transactionId"/> was recorded, read once its deciding session
    /// has ended: this session waits (up to the lock timeout) for the transaction's lock, which the deciding
    /// session held until its COMMIT or ROLLBACK finished, then looks for the decision row. Null when the
    /// coordinator cannot tell now.
    /// </summary>
    private async Task<bool?> DecisionOfAsync(Guid transactionId)
    {
        try
        {
            await using var connection = await _source.OpenAsync(_source.Coordinator, CancellationToken.None, HeldNodes()).ConfigureAwait(false);
            await ExecuteAsync(connection, _setLockTimeout, CancellationToken.None).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock($1)") { Parameters = { new NpgsqlParameter<long> { TypedValue = GlobalTransactionId.LockKey(transactionId) } } },
                    new NpgsqlBatchCommand("SELECT EXISTS (SELECT 1 FROM shardgen.commit_decisions WHERE transaction_id = $1)") { Parameters = { new NpgsqlParameter<Guid> { TypedValue = transactionId } } },
                    new NpgsqlBatchCommand("ROLLBACK"),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
            await reader.NextResultAsync().ConfigureAwait(false);
            await reader.ReadAsync().ConfigureAwait(false);
            return reader.GetBoolean(0);
        }
        catch (Exception ex) when (ex is ShardGenException || Failures.IsServerFailure(ex))
        {
            return null;
        }
    }

    // The record is only needed while a part may still be prepared; recovery removes any left behind.
    private async Task ForgetAsync(Guid transactionId)
    {
        using var step = StartStepSpan("forget decision", _source.Coordinator);
        try
        {
            await using var connection = await _source.OpenAsync(_source.Coordinator, CancellationToken.None, HeldNodes()).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("DELETE FROM shardgen.commit_decisions WHERE transaction_id = $1", connection);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = transactionId });
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ShardGenException || Failures.IsServerFailure(ex))
        {
            // Recovery removes it.
            Telemetry.SetError(step, ex);
        }
    }

    private static (Node Node, Exception Error)? FirstFailure(Participant[] writers, IEnumerable<Exception?> errors)
    {
        var i = 0;
        foreach (var error in errors)
        {
            if (error is not null)
            {
                return (writers[i].Node, error);
            }

            i++;
        }

        return null;
    }

    /// <summary>
    /// Returns a connection to its pool. Npgsql rolls back a transaction still open on it; on a connection
    /// whose server went away that fails, and the server has ended the session anyway.
    /// </summary>
    internal static async Task CloseAsync(NpgsqlConnection connection)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            // The session is gone, and with it its transaction and locks.
        }
    }

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(T Value, Exception? Error)> TryAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return (await action().ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is SimulatedCrashException or OperationCanceledException or InvalidOperationException or ShardGenException || Failures.IsServerFailure(ex))
        {
            return (default!, ex);
        }
    }

    private static async Task<Exception?> TryAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is SimulatedCrashException or OperationCanceledException or InvalidOperationException or ShardGenException || Failures.IsServerFailure(ex))
        {
            return ex;
        }
    }
}
