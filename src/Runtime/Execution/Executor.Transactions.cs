using System.Diagnostics;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

// How the execution core runs a call inside a ShardedTransaction: on the transaction's connection to
// each node it reaches (enlisting the node on first use), one call at a time.
internal sealed partial class Executor
{
    private async Task<TResult> ReadInTransactionAsync<TArgs, TState, TResult>(
        ShardedTransaction transaction, ShardMap map, Routes routes, string[] texts, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, TState state,
        Func<NpgsqlDataReader, TState, CancellationToken, Task<TResult>> consume, CancellationToken cancellationToken, bool anywhere = false)
    {
        // A reference read goes to a copy the transaction already has open, so that it sees the
        // transaction's own writes and does not reach another node for nothing.
        var target = routes.Placement == TableKind.Reference && transaction.EnlistedAmong([.. map.ReadableCopies, map.Coordinator]) is { } enlisted
            ? new Target(enlisted, 0)
            : ReadTarget(map, routes, key, attempt: 0, anywhere);
        target = InSession(transaction, map, routes, target);
        return await transaction.RunAsync(
            target.Node,
            () => Describe(routes, target, key),
            async connection =>
            {
                await using var command = new NpgsqlCommand(texts[target.Shard], connection);
                bind(command.Parameters, args);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await consume(reader, state, cancellationToken).ConfigureAwait(false);
            },
            ex => Failures.OnShard(routes, target.Node, target.Shard, key, ex),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// On Citus a transaction is one session on one node, and Citus runs every statement of it from there (and commits
    /// with its own two-phase commit): once the session is open, every call goes to it, except a local table's, which
    /// lives only on the coordinator. Before that, the call's own target opens it.
    /// </summary>
    private static Target InSession(ShardedTransaction transaction, ShardMap map, Routes routes, Target target) =>
        map.Engine == ShardEngine.Citus && routes.Placement != TableKind.Local && transaction.SessionNode is { } session
            ? target with { Node = session }
            : target;

    private static Task<int> ExecuteInTransactionAsync<TArgs>(
        ShardedTransaction transaction, ShardMap map, Routes routes, string[] texts, Target target, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, CancellationToken cancellationToken)
        => ExecuteInSessionAsync(transaction, routes, texts, InSession(transaction, map, routes, target), key, args, bind, cancellationToken);

    private static Task<int> ExecuteInSessionAsync<TArgs>(
        ShardedTransaction transaction, Routes routes, string[] texts, Target target, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, CancellationToken cancellationToken)
        => transaction.RunAsync(
            target.Node,
            () => Describe(routes, target, key),
            connection => ExecuteNonQueryAsync(connection, texts[target.Shard], args, bind, cancellationToken),
            ex => Failures.OnShard(routes, target.Node, target.Shard, key, ex),
            cancellationToken);

    /// <summary>
    /// A reference write on every copy, in one fixed node order (the coordinator, then the workers as the
    /// metadata lists them): two writers of the same rows meet at the first copy and never hold locks on
    /// different copies waiting for each other. Returns the coordinator copy's count.
    /// </summary>
    /// <remarks>
    /// The workers written are the ones the metadata lists once the coordinator's copy is written, not the
    /// ones of <paramref name="map"/>: the write's lock on that copy, held until this transaction ends there,
    /// keeps a new worker's fill from starting or, if it holds its lock already, makes the write wait for it
    /// to commit (see <see cref="ReferenceCopies"/>). So a map that does not know a worker added meanwhile
    /// is refreshed before its write can commit without that worker's copy.
    /// </remarks>
    private async Task<int> ExecuteOnCopiesAsync<TArgs>(
        ShardedTransaction transaction, ShardMap map, Routes routes, string[] texts, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, List<NodeTime> times, CancellationToken cancellationToken)
    {
        if (transaction.Options.SingleWorkerOnly)
        {
            throw new ShardTransactionException(
                $"The transaction is limited to one worker (SingleWorkerOnly), but a write to reference {routes.Subject} goes to every node ({map.Workers.Count + 1} copies). "
                + "Nothing was sent. Write reference rows outside the transaction, or begin it without SingleWorkerOnly.");
        }

        using var turn = await transaction.EnterAsync(cancellationToken).ConfigureAwait(false);
        // Every copy's connection first, in the order connections are taken in (Node.SlotOrder): a worker
        // added meanwhile is reached below, after the refresh.
        await transaction.EnlistInOrderAsync(
            [map.Coordinator, .. map.Workers],
            node => Describe(routes, new Target(node, 0), key),
            node => ex => Failures.OnShard(routes, node, 0, key, ex),
            cancellationToken).ConfigureAwait(false);
        var coordinator = new Target(map.Coordinator, 0);
        var (affected, workers) = await OnCopyAsync(
            coordinator.Node,
            times,
            () => transaction.RunInTurnAsync(
                coordinator.Node,
                () => Describe(routes, coordinator, key),
                connection => ExecuteOnCoordinatorCopyAsync(connection, texts[0], args, bind, cancellationToken),
                ex => Failures.OnShard(routes, coordinator.Node, 0, key, ex),
                cancellationToken),
            result => result.Affected).ConfigureAwait(false);
        if (!map.Workers.Select(w => w.Name).SequenceEqual(workers, StringComparer.Ordinal))
        {
            try
            {
                map = await _source.RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The row is on the coordinator's copy alone: the transaction must not commit.
                transaction.Fail(ex);
                throw;
            }
        }

        foreach (var worker in map.Workers)
        {
            var target = new Target(worker, 0);
            try
            {
                await OnCopyAsync(
                    target.Node,
                    times,
                    () => transaction.RunInTurnAsync(
                        target.Node,
                        () => Describe(routes, target, key),
                        connection => ExecuteNonQueryAsync(connection, texts[0], args, bind, cancellationToken),
                        ex => Failures.OnShard(routes, target.Node, 0, key, ex),
                        cancellationToken),
                    rows => rows).ConfigureAwait(false);
            }
            catch (Exception ex) when (!transaction.HasEnded)
            {
                // Some copies have the row and this one cannot: the transaction must not commit (a worker added
                // meanwhile whose connection could not be had fails here without having failed the transaction).
                transaction.Fail(ex);
                throw;
            }
        }

        return affected;
    }

    /// <summary>
    /// One copy's write of a reference write, in the copy's node span (a child of the call's, current in this method's flow
    /// so that Npgsql's span goes under it), noted in <paramref name="times"/>.
    /// </summary>
    private static async Task<T> OnCopyAsync<T>(Node node, List<NodeTime> times, Func<Task<T>> write, Func<T, int> rows)
    {
        var span = Telemetry.StartNode(node);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await write().ConfigureAwait(false);
            times.Add(new NodeTime(node, started, Stopwatch.GetTimestamp()));
            Telemetry.EndNode(span, rows(result));
            return result;
        }
        catch (Exception ex)
        {
            times.Add(new NodeTime(node, started, Stopwatch.GetTimestamp()));
            Telemetry.EndNode(span, rows: null, ex);
            throw;
        }
    }

    // The write, then the workers the metadata lists, read in a statement of its own so that its snapshot
    // is taken after the write's lock on the coordinator's copy was granted.
    private static async Task<(int Affected, string[] Workers)> ExecuteOnCoordinatorCopyAsync<TArgs>(
        NpgsqlConnection connection, string text, TArgs args, Action<NpgsqlParameterCollection, TArgs> bind, CancellationToken cancellationToken)
    {
        var affected = await ExecuteNonQueryAsync(connection, text, args, bind, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT coalesce(array_agg(name ORDER BY node_id), '{}') FROM shardgen.nodes WHERE role = 'worker'", connection);
        return (affected, (string[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
    }

    /// <summary>The transaction's connection to every worker of <paramref name="plan"/>, enlisting those it has not reached yet.</summary>
    private static Task<Func<Node, NpgsqlConnection>> EnlistAsync(
        ShardedTransaction transaction, Routes routes, WorkerStatement[] plan, CancellationToken cancellationToken)
    {
        var shards = plan.ToDictionary(worker => worker.Node, worker => worker.Shards);
        return transaction.EnlistInOrderAsync(
            shards.Keys,
            node => Describe(routes, new Target(node, shards[node][0]), ShardKey.None),
            node => ex => Failures.OnWorker(routes, node, shards[node], ex),
            cancellationToken);
    }

    private static async Task<int> ExecuteFanOutInTransactionAsync<TArgs>(
        ShardedTransaction transaction, Routes routes, string[] texts, WorkerStatement[] plan, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, NodeTime[] times, CancellationToken cancellationToken)
    {
        var connections = await EnlistAsync(transaction, routes, plan, cancellationToken).ConfigureAwait(false);
        var outcomes = new Task<(int Affected, ShardOperationException? Failure)>[plan.Length];
        for (var i = 0; i < plan.Length; i++)
        {
            outcomes[i] = ExecuteOnWorkerAsync(routes, texts, plan[i], connections(plan[i].Node), args, bind, times, i, cancellationToken);
        }

        var affected = 0;
        try
        {
            foreach (var (rows, failure) in await Task.WhenAll(outcomes).ConfigureAwait(false))
            {
                if (failure is not null)
                {
                    transaction.Fail(failure);
                    throw failure;
                }

                affected += rows;
            }
        }
        catch (OperationCanceledException ex)
        {
            transaction.Fail(ex);
            throw;
        }

        return affected;
    }

    private static async Task<int> ExecuteNonQueryAsync<TArgs>(
        NpgsqlConnection connection, string text, TArgs args, Action<NpgsqlParameterCollection, TArgs> bind, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(text, connection);
        bind(command.Parameters, args);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(Routes routes, Target target, ShardKey key)
    {
        var where = Failures.Where(routes, target.Node, target.Shard, key);
        return routes.Query is null ? where : $"query '{routes.Query}' on {where}";
    }
}
