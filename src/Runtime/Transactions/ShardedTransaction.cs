using System.Globalization;
using Npgsql;

namespace ShardGen;

/// <summary>
/// A transaction over the nodes of a sharded database. Begun with
/// <see cref="ShardedDataSource.BeginTransactionAsync"/>, it is the ambient transaction of the async flow
/// that began it: every repository call and planned query of that data source made in the flow (and in
/// tasks started from it) runs in it, on one connection and one PostgreSQL transaction per node it
/// touches. It commits as a plain PostgreSQL transaction when it wrote on one node, and with two-phase
/// commit when it wrote on several (see <c>docs/transactions.md</c>). Disposing it without
/// <see cref="CommitAsync"/> rolls everything back.
/// </summary>
/// <example>
/// <code>
/// await using (var tx = await source.BeginTransactionAsync())
/// {
///     await db.Accounts.UpdateAsync(from with { Balance = from.Balance - 10 });
///     await db.Accounts.UpdateAsync(to with { Balance = to.Balance + 10 });
///     await tx.CommitAsync();
/// }
/// </code>
/// </example>
/// <remarks>
/// Calls in one transaction run one at a time (concurrent calls wait for each other), and reads that
/// stream rows (<c>StreamAsync</c>, fan-out reads) read all their rows before the first is returned, so
/// that the next call can use the same connections. Once the transaction has committed, rolled back or
/// been disposed, calls in the flow run on their own again.
/// </remarks>
public sealed partial class ShardedTransaction : IAsyncDisposable
{
    private readonly ShardedDataSource _source;
    private readonly List<Participant> _participants = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _setLockTimeout;
    private volatile ShardedTransactionStatus _status;
    private volatile bool _ended;
    private string? _failure;

    // The coordinator session that records the decision, when the coordinator is not a participant.
    private NpgsqlConnection? _decision;

    // The decision's COMMIT was sent: from here on the transaction may be committed, and nothing rolls back.
    private bool _deciding;

    internal ShardedTransaction(ShardedDataSource source, ShardedTransactionOptions options)
    {
        _source = source;
        Options = options;
        _setLockTimeout = string.Create(
            CultureInfo.InvariantCulture, $"BEGIN; SET LOCAL lock_timeout = {(long)Math.Ceiling(options.LockTimeout.TotalMilliseconds)}");
    }

    public ShardedTransactionOptions Options { get; }

    public ShardedTransactionStatus Status => _status;

    /// <summary>The names of the nodes the transaction ran statements on, in the order it reached them.</summary>
    public IReadOnlyList<string> Participants
    {
        get
        {
            lock (_participants)
            {
                return _participants.Select(p => p.Node.Name).ToArray();
            }
        }
    }

    /// <summary>
    /// True once <see cref="CommitAsync"/> has used two-phase commit: the transaction wrote on more than
    /// one node. <see cref="PreparedOn"/> names them.
    /// </summary>
    public bool UsedTwoPhaseCommit { get; private set; }

    /// <summary>The nodes whose part was prepared (<c>PREPARE TRANSACTION</c>) by two-phase commit; empty without it.</summary>
    public IReadOnlyList<string> PreparedOn { get; private set; } = [];

    /// <summary>Whether commit, rollback or dispose has begun: the transaction no longer takes calls.</summary>
    internal bool HasEnded => _ended;

    /// <summary>
    /// Commits on every node the transaction touched: a plain <c>COMMIT</c> where it wrote on one node;
    /// otherwise two-phase commit, whose decision is recorded on the coordinator before any part commits.
    /// </summary>
    /// <exception cref="ShardTransactionException">
    /// The transaction was rolled back everywhere (a part could not be prepared, or a statement had failed),
    /// or, with <see cref="ShardTransactionException.OutcomeUnknown"/>, the coordinator went away while
    /// recording the decision: recovery then settles every part the same way.
    /// </exception>
    /// <remarks>
    /// Once the decision is recorded the transaction is committed: a worker that cannot be reached for
    /// <c>COMMIT PREPARED</c> does not fail the call, and its part becomes visible when recovery (on its
    /// timer, or <see cref="ShardedDataSource.RecoverAsync"/>) commits it. The token is honoured until
    /// the decision is recorded, not after: a commit cancelled before that point rolls back on every node
    /// (<see cref="Status"/> is then <see cref="ShardedTransactionStatus.RolledBack"/>) and throws
    /// <see cref="OperationCanceledException"/>. Whatever the outcome, every connection the transaction
    /// held is closed when the call returns.
    /// </remarks>
    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        var span = StartCommitSpan();
        try
        {
            await CommitGatedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            EndCommit(span, ex);
            throw;
        }

        EndCommit(span, null);
    }

    private async Task CommitGatedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ended)
            {
                throw new InvalidOperationException($"The transaction has already {(_status == ShardedTransactionStatus.Committed ? "committed" : "ended")}: begin a new one.");
            }

            _ended = true;
            if (_status == ShardedTransactionStatus.Failed)
            {
                await RollbackCoreAsync().ConfigureAwait(false);
                throw new ShardTransactionException($"The transaction cannot commit because a statement in it failed ({_failure}); it was rolled back on every node.");
            }

            try
            {
                await CommitCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && !_deciding && ex is not SimulatedCrashException)
            {
                // Cancelled before the decision: whatever step the token stopped, nothing is committed.
                if (_status != ShardedTransactionStatus.RolledBack)
                {
                    await RollbackPreparedAsync().ConfigureAwait(false);
                }

                throw new OperationCanceledException(
                    "The commit was cancelled before its decision was recorded: the transaction was rolled back on every node.", ex, cancellationToken);
            }
            catch (Exception) when (_status == ShardedTransactionStatus.Active && !_deciding)
            {
                // Stopped by something unforeseen before the decision: roll back rather than leave sessions open.
                await RollbackPreparedAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                await CloseAllAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Rolls back on every node the transaction touched. Rolling back twice does nothing.</summary>
    public async Task RollbackAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_status == ShardedTransactionStatus.Committed)
            {
                throw new InvalidOperationException("The transaction has committed: it cannot be rolled back.");
            }

            if (!_ended)
            {
                _ended = true;
                await RollbackCoreAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Rolls back what was not committed and ends the transaction as the flow's ambient transaction.</summary>
    public ValueTask DisposeAsync()
    {
        // Not async: the ambient transaction is cleared in the caller's own execution context.
        _source.EndAmbient(this);
        return DisposeCoreAsync();
    }

    /// <summary>Waits for the transaction's turn: calls in one transaction run one at a time.</summary>
    internal async ValueTask<Turn> EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_ended || _status == ShardedTransactionStatus.Failed)
        {
            _gate.Release();
            throw _ended
                ? new InvalidOperationException("The transaction has ended: begin a new one.")
                : new ShardTransactionException($"A statement in this transaction failed earlier ({_failure}): it can only roll back. Dispose it and run the transaction again.");
        }

        return new Turn(this);
    }

    /// <summary>Runs <paramref name="work"/> on the transaction's connection to <paramref name="node"/>, enlisting the node first.</summary>
    internal async Task<T> RunAsync<T>(
        Node node, Func<string> where, Func<NpgsqlConnection, Task<T>> work, Func<Exception, Exception> wrap, CancellationToken cancellationToken)
    {
        using var turn = await EnterAsync(cancellationToken).ConfigureAwait(false);
        return await RunInTurnAsync(node, where, work, wrap, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="RunAsync{T}"/>, for a caller that holds the transaction's turn.</summary>
    internal async Task<T> RunInTurnAsync<T>(
        Node node, Func<string> where, Func<NpgsqlConnection, Task<T>> work, Func<Exception, Exception> wrap, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(node, where, wrap, cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            var failure = wrap(ex);
            Fail(failure);
            throw failure;
        }
        catch (OperationCanceledException ex)
        {
            // Npgsql cancelled the statement on the server, which aborted the node's transaction.
            Fail(ex);
            throw;
        }
    }

    /// <summary>
    /// The transaction's connection to <paramref name="node"/>: the one it already has, or a new one in
    /// a new transaction with the lock timeout set. A transaction limited to one worker refuses a second
    /// node here, before anything is sent to it.
    /// </summary>
    internal async Task<NpgsqlConnection> ConnectionAsync(Node node, Func<string> where, Func<Exception, Exception> wrap, CancellationToken cancellationToken)
    {
        Participant? first;
        Node[] held;
        lock (_participants)
        {
            foreach (var participant in _participants)
            {
                if (ReferenceEquals(participant.Node, node))
                {
                    return participant.Connection;
                }
            }

            first = _participants.Count > 0 ? _participants[0] : null;
            held = [.. _participants.Select(p => p.Node)];
        }

        if (_source.Engine == ShardEngine.Citus && first is not null)
        {
            // The executor sends every call to the session (Executor.InSession) but a local table's.
            throw new ShardTransactionException(
                $"On Citus a transaction is one session, and this one runs on node '{first.Node.Name}' ({first.Node.Host}:{first.Node.Port}); {where()} is on node '{node.Name}' "
                + "(a local table lives only on the coordinator, and the session cannot reach it from a worker). Nothing was sent there. "
                + "Begin the transaction with a call to the local table, so that its session is on the coordinator, or write the local table in a transaction of its own.");
        }

        if (Options.SingleWorkerOnly && first is not null)
        {
            throw new ShardTransactionException(
                $"The transaction is limited to one worker (SingleWorkerOnly) and runs on node '{first.Node.Name}' ({first.Node.Host}:{first.Node.Port}); "
                + $"{where()} is on another node. Nothing was sent there. Keep the transaction to keys of one worker, or begin it without SingleWorkerOnly to let it commit with two-phase commit.");
        }

        NpgsqlConnection connection;
        try
        {
            connection = await node.OpenConnectionAsync(held, where, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            throw wrap(ex);
        }

        try
        {
            await using var command = new NpgsqlCommand(_setLockTimeout, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            await CloseAsync(connection).ConfigureAwait(false);
            throw wrap(ex);
        }
        catch
        {
            await CloseAsync(connection).ConfigureAwait(false);
            throw;
        }

        lock (_participants)
        {
            _participants.Add(new Participant(node, connection));
        }

        return connection;
    }

    /// <summary>
    /// Enlists every node of <paramref name="nodes"/> the transaction has not reached yet, in the order
    /// connections are taken in (<see cref="Node.SlotOrder"/>), before a call that goes to all of them sends
    /// anything: a call that needs several nodes reserves them without waiting out of order. Returns the
    /// transaction's connection to each.
    /// </summary>
    internal async Task<Func<Node, NpgsqlConnection>> EnlistInOrderAsync(
        IEnumerable<Node> nodes, Func<Node, string> where, Func<Node, Func<Exception, Exception>> wrap, CancellationToken cancellationToken)
    {
        var ordered = nodes.ToArray();
        Array.Sort(ordered, Node.SlotOrder);
        var connections = new Dictionary<Node, NpgsqlConnection>(ordered.Length);
        foreach (var node in ordered)
        {
            connections[node] = await ConnectionAsync(node, () => where(node), wrap(node), cancellationToken).ConfigureAwait(false);
        }

        return node => connections[node];
    }

    /// <summary>The node of the transaction's first connection: on Citus, the one session every call of the transaction runs in.</summary>
    internal Node? SessionNode
    {
        get
        {
            lock (_participants)
            {
                return _participants.Count > 0 ? _participants[0].Node : null;
            }
        }
    }

    /// <summary>The nodes the transaction holds a connection to.</summary>
    private Node[] HeldNodes()
    {
        lock (_participants)
        {
            return [.. _participants.Select(p => p.Node)];
        }
    }

    /// <summary>The first node the transaction reached that holds a copy of reference tables, if any: reference reads go there.</summary>
    internal Node? EnlistedAmong(IReadOnlyList<Node> nodes)
    {
        lock (_participants)
        {
            foreach (var participant in _participants)
            {
                foreach (var node in nodes)
                {
                    if (ReferenceEquals(participant.Node, node))
                    {
                        return node;
                    }
                }
            }
        }

        return null;
    }

    /// <summary>A statement failed on a node: PostgreSQL aborted that node's transaction, so this one can only roll back.</summary>
    internal void Fail(Exception ex)
    {
        Interlocked.CompareExchange(ref _failure, ex.Message, null);
        _status = ShardedTransactionStatus.Failed;
    }

    private async ValueTask DisposeCoreAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_ended)
            {
                _ended = true;
                await RollbackCoreAsync().ConfigureAwait(false);
            }

            await CloseAllAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The transaction's turn, held by one call at a time.</summary>
    internal readonly struct Turn(ShardedTransaction transaction) : IDisposable
    {
        public void Dispose() => transaction._gate.Release();
    }
}
