using System.Diagnostics;
using System.Runtime.CompilerServices;
using Npgsql;

namespace ShardGen;

internal sealed partial class Executor
{
    /// <summary>
    /// A read over several shards of the routes' colocation group: all of them (<paramref name="keys"/>
    /// null) or those holding the keys. Each worker gets one combined statement (when
    /// <paramref name="combine"/> and the routes have a worker prefix) or a batch of its shards'
    /// statements. Rows are concatenated worker after worker, or merged by <paramref name="order"/>.
    /// </summary>
    public IAsyncEnumerable<T> FanOutAsync<TArgs, T>(
        int statement, IReadOnlyList<ShardKey>? keys, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        Comparison<T>? order, QueryOptions? options, bool combine,
        CancellationToken cancellationToken)
        => RunFanOutAsync(
            statement, keys, args, bind, options, combine, sorted: order is not null,
            (call, ct) => order is null ? ConcatenateAsync(call, read, ct) : MergeSortedAsync(call, read, order, ct),
            cancellationToken);

    /// <summary>
    /// A read over several shards whose rows (as values) are merged by <paramref name="order"/>, text
    /// in the order of the workers' collation: compared here under "C", ranked by a server otherwise.
    /// </summary>
    public async IAsyncEnumerable<object?[]> MergeAsync<TArgs>(
        int statement, IReadOnlyList<ShardKey>? keys, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, MergeOrder order, QueryOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Read before the fan-out takes its connections: the first time, it needs one to each worker.
        var collation = await TextCollationAsync(cancellationToken).ConfigureAwait(false);
        Func<FanOutCall, CancellationToken, IAsyncEnumerable<object?[]>> merge = collation.IsCodePoint
            ? (call, ct) => MergeSortedAsync(call, QueryMerge.ReadValues, order.Compare, ct)
            : (call, ct) => MergeRankedAsync(call, order, collation, ct);
        var rows = RunFanOutAsync(statement, keys, args, bind, options, combine: true, sorted: true, merge, cancellationToken);
        await foreach (var row in rows.ConfigureAwait(false))
        {
            yield return row;
        }
    }

    /// <summary>How the workers of the routes' colocation group order text (their database collation, read once per node).</summary>
    public async Task<TextCollation> TextCollationAsync(CancellationToken cancellationToken)
    {
        var (map, routes) = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        var workers = routes.Group!.ShardsByWorker.Select(worker => worker.Node).ToArray();
        return await TextCollation.OfAsync(map.Coordinator, workers, cancellationToken).ConfigureAwait(false);
    }

    private async IAsyncEnumerable<T> RunFanOutAsync<TArgs, T>(
        int statement, IReadOnlyList<ShardKey>? keys, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, QueryOptions? options, bool combine, bool sorted,
        Func<FanOutCall, CancellationToken, IAsyncEnumerable<T>> consume,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (_, routes) = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        var plan = Plan(routes, statement, keys, combine);
        if (plan.Length == 0)
        {
            yield break;
        }

        if (sorted && Array.Exists(plan, worker => worker.Combined is null && worker.Shards.Length > 1))
        {
            throw new InvalidOperationException(
                $"{(routes.Query is null ? routes.Subject : $"Query '{routes.Query}'")} cannot merge sorted rows: a worker's shards would come back one result after another, "
                + "not sorted together. Give the query a worker prefix and suffix (e.g. \"SELECT * FROM (\" and \") AS w ORDER BY ...\") so that each worker sorts its shards' rows.");
        }

        // An iterator shares its flow with the caller's code between rows: the span is current only while the workers start,
        // so that each worker's span goes under it (Telemetry.StartWorker).
        var scope = CallScope.Start(_names, statement, Telemetry.Kinds.MultiShard, ActivityKind.Internal, ambient: false);
        var started = Stopwatch.GetTimestamp();
        FanOutCall? measured = null;
        long merged = 0;
        try
        {
            if (_source.CurrentTransaction is { } transaction)
            {
                // In a transaction the rows are read first: the next call needs the same connections.
                var rows = new List<T>();
                using (await transaction.EnterAsync(cancellationToken).ConfigureAwait(false))
                {
                    var connections = await EnlistAsync(transaction, routes, plan, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await using var call = await StartFanOutAsync(routes, statement, plan, args, bind, options, scope, cancellationToken, connections).ConfigureAwait(false);
                        measured = call;
                        await foreach (var row in consume(call, cancellationToken).ConfigureAwait(false))
                        {
                            rows.Add(row);
                        }
                    }
                    catch (Exception ex) when (ex is ShardOperationException or OperationCanceledException)
                    {
                        scope.Fail(ex);
                        transaction.Fail(ex);
                        throw;
                    }
                }

                foreach (var row in rows)
                {
                    merged++;
                    yield return row;
                }

                yield break;
            }

            FanOutCall opened;
            try
            {
                // Failing to start, the call has handed over no row: it runs again once on a reloaded map if it met a fence.
                (opened, plan) = await OnceMoreAfterFenceAsync(
                    statement,
                    async ct =>
                    {
                        var (_, current) = await RoutesAsync(ct).ConfigureAwait(false);
                        var currentPlan = Plan(current, statement, keys, combine);
                        return (await StartFanOutAsync(current, statement, currentPlan, args, bind, options, scope, ct).ConfigureAwait(false), currentPlan);
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                scope.Fail(ex);
                throw;
            }

            await using (var call = opened)
            {
                measured = call;
                await using var merge = consume(call, cancellationToken).GetAsyncEnumerator(cancellationToken);
                while (true)
                {
                    try
                    {
                        if (!await merge.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (Exception ex)
                    {
                        scope.Fail(ex);
                        throw;
                    }

                    merged++;
                    yield return merge.Current;
                }
            }
        }
        finally
        {
            EndFanOut(scope, statement, started, plan.Length, merged, measured);
        }
    }

    private static async Task<FanOutCall> StartFanOutAsync<TArgs>(
        Routes routes, int statement, WorkerStatement[] plan, TArgs args, Action<NpgsqlParameterCollection, TArgs> bind,
        QueryOptions? options, CallScope scope, CancellationToken cancellationToken, Func<Node, NpgsqlConnection>? connections = null)
    {
        // Not an iterator: the span made current here is the caller's again on return.
        if (scope.Activity is not null)
        {
            Activity.Current = scope.Activity;
        }

        return await FanOutCall.StartAsync(routes, routes.Texts(statement), plan, args, bind, options, cancellationToken, connections).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends a multi-shard read's span and records its width and rows; logs it if it was slow, naming the node
    /// whose rows came last.
    /// </summary>
    private void EndFanOut(CallScope scope, int statement, long started, int width, long? rows, FanOutCall? call) =>
        _source.EndMultiNodeCall(
            scope, _names, statement, Telemetry.Kinds.MultiShard, started, width, rows, read: true,
            call?.Cursors.Select(c => new NodeTime(c.Statement.Node, started, c.FinishedAt)));

    /// <summary>The workers' rows one worker after another.</summary>
    private static async IAsyncEnumerable<T> ConcatenateAsync<T>(FanOutCall call, Func<NpgsqlDataReader, T> read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await call.MoveNextAsync(cancellationToken).ConfigureAwait(false))
        {
            // Npgsql hands out buffered rows without looking at the token: look at it here.
            cancellationToken.ThrowIfCancellationRequested();
            yield return read(call.Current.Reader);
        }
    }

    /// <summary>
    /// A k-way merge: each worker's rows are sorted, so the next row overall is the least of the
    /// workers' current rows. Ties go to the worker listed first, so equal rows keep a fixed order.
    /// </summary>
    private static async IAsyncEnumerable<T> MergeSortedAsync<T>(
        FanOutCall call, Func<NpgsqlDataReader, T> read, Comparison<T> order, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var heads = new PriorityQueue<WorkerCursor, (T Row, int Worker)>(call.Cursors.Count, new HeadOrder<T>(order));
        foreach (var cursor in call.Cursors)
        {
            if (await call.AdvanceAsync(cursor, cancellationToken).ConfigureAwait(false))
            {
                heads.Enqueue(cursor, (read(cursor.Reader), cursor.Index));
            }
        }

        while (heads.TryDequeue(out var cursor, out var head))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return head.Row;
            if (await call.AdvanceAsync(cursor, cancellationToken).ConfigureAwait(false))
            {
                heads.Enqueue(cursor, (read(cursor.Reader), cursor.Index));
            }
        }
    }

    /// <summary>
    /// A k-way merge in blocks, for text under a collation .NET cannot reproduce: up to
    /// <see cref="RankedBlock"/> rows of each worker are read ahead, a server ranks their text sort
    /// values (one round trip), and every row up to the frontier (the least of the workers' last rows
    /// read, past which a worker's next rows may fall) goes out in merged order. The workers whose rows
    /// all went out read their next block, and the rows still waiting are ranked again with them.
    /// </summary>
    private static async IAsyncEnumerable<object?[]> MergeRankedAsync(
        FanOutCall call, MergeOrder order, TextCollation collation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursors = call.Cursors;
        var blocks = new Queue<object?[]>[cursors.Count];
        var ended = new bool[cursors.Count];
        var last = new object?[cursors.Count][];
        for (var i = 0; i < cursors.Count; i++)
        {
            blocks[i] = new Queue<object?[]>();
            await ReadBlockAsync(i).ConfigureAwait(false);
        }

        while (true)
        {
            var ranks = await collation.RankAsync(order.TextValues(blocks.SelectMany(block => block)), cancellationToken).ConfigureAwait(false);
            object?[]? frontier = null;
            for (var i = 0; i < cursors.Count; i++)
            {
                if (!ended[i] && (frontier is null || order.Compare(last[i], frontier, ranks) < 0))
                {
                    frontier = last[i];
                }
            }

            var heads = new PriorityQueue<int, (object?[] Row, int Worker)>(cursors.Count, new HeadOrder<object?[]>((a, b) => order.Compare(a, b, ranks)));
            for (var i = 0; i < cursors.Count; i++)
            {
                if (blocks[i].TryPeek(out var row))
                {
                    heads.Enqueue(i, (row, i));
                }
            }

            while (heads.TryPeek(out var worker, out var head) && (frontier is null || order.Compare(head.Row, frontier, ranks) <= 0))
            {
                cancellationToken.ThrowIfCancellationRequested();
                heads.Dequeue();
                yield return blocks[worker].Dequeue();
                if (blocks[worker].TryPeek(out var next))
                {
                    heads.Enqueue(worker, (next, worker));
                }
            }

            if (frontier is null)
            {
                yield break;
            }

            // The worker that set the frontier has sent every row it read: at least it reads on.
            for (var i = 0; i < cursors.Count; i++)
            {
                if (!ended[i] && blocks[i].Count == 0)
                {
                    await ReadBlockAsync(i).ConfigureAwait(false);
                }
            }
        }

        async Task ReadBlockAsync(int i)
        {
            while (blocks[i].Count < RankedBlock)
            {
                if (!await call.AdvanceAsync(cursors[i], cancellationToken).ConfigureAwait(false))
                {
                    ended[i] = true;
                    return;
                }

                var row = QueryMerge.ReadValues(cursors[i].Reader);
                blocks[i].Enqueue(row);
                last[i] = row;
            }
        }
    }

    /// <summary>Rows read ahead per worker in a ranked merge: a LIMIT up to this many is merged after one ranking.</summary>
    private const int RankedBlock = 1000;

    /// <summary>
    /// A read on every shard of a distributed table, each worker's shards in one batch, workers in
    /// parallel; the rows in shard order. Without shards, the one copy's rows.
    /// </summary>
    public Task<List<T>> AllShardsAsync<T>(int statement, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken) =>
        OnceMoreAfterFenceAsync(statement, ct => AllShardsOnceAsync(statement, read, ct), cancellationToken);

    private async Task<List<T>> AllShardsOnceAsync<T>(int statement, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var (map, routes) = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        if (routes.Group is not { } group || map.Engine == ShardEngine.Citus)
        {
            // On Citus, the statement over the distributed table is sent once and Citus reads every shard.
            return await ReadAsync(
                statement, ShardKey.None, 0, static (_, _) => { }, read, static (reader, read, ct) => ReadListAsync(reader, read, ct), cancellationToken,
                anywhere: map.Engine == ShardEngine.Citus).ConfigureAwait(false);
        }

        var perShard = new List<T>[group.ShardCount];
        for (var shard = 0; shard < perShard.Length; shard++)
        {
            perShard[shard] = [];
        }

        var plan = Plan(routes, statement, keys: null, combine: false);
        var scope = CallScope.Start(_names, statement, Telemetry.Kinds.MultiShard, ActivityKind.Internal);
        var started = Stopwatch.GetTimestamp();
        FanOutCall? call = null;
        long? merged = null;
        try
        {
            if (_source.CurrentTransaction is { } transaction)
            {
                using (await transaction.EnterAsync(cancellationToken).ConfigureAwait(false))
                {
                    var connections = await EnlistAsync(transaction, routes, plan, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        call = await ReadShardsAsync(routes, statement, plan, read, perShard, connections, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is ShardOperationException or OperationCanceledException)
                    {
                        transaction.Fail(ex);
                        throw;
                    }
                }
            }
            else
            {
                call = await ReadShardsAsync(routes, statement, plan, read, perShard, null, cancellationToken).ConfigureAwait(false);
            }

            var rows = new List<T>(perShard.Sum(p => p.Count));
            foreach (var shardRows in perShard)
            {
                rows.AddRange(shardRows);
            }

            merged = rows.Count;
            return rows;
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
        finally
        {
            EndFanOut(scope, statement, started, plan.Length, merged, call);
        }
    }

    /// <summary>Reads every shard of the plan into <paramref name="perShard"/>; returns the call, ended, for its workers' timings.</summary>
    private static async Task<FanOutCall> ReadShardsAsync<T>(
        Routes routes, int statement, WorkerStatement[] plan, Func<NpgsqlDataReader, T> read, List<T>[] perShard,
        Func<Node, NpgsqlConnection>? connections, CancellationToken cancellationToken)
    {
        await using var call = await FanOutCall.StartAsync(routes, routes.Texts(statement), plan, 0, static (_, _) => { }, null, cancellationToken, connections).ConfigureAwait(false);
        while (await call.MoveNextAsync(cancellationToken).ConfigureAwait(false))
        {
            perShard[call.Current.CurrentShard].Add(read(call.Current.Reader));
        }

        return call;
    }

    /// <summary>
    /// A write on several shards: each worker's shards in one batch, workers in parallel; the sum of the
    /// rows affected. In the ambient transaction when there is one; otherwise a write that reaches more
    /// than one worker runs in a transaction of its own, committed with two-phase commit, so that it
    /// happens on every shard or on none. A failing worker does not stop the others; the first failure,
    /// in worker order, is thrown once all are done (and the transaction rolls back).
    /// </summary>
    public Task<int> ExecuteFanOutAsync<TArgs>(
        int statement, IReadOnlyList<ShardKey>? keys, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, CancellationToken cancellationToken) =>
        OnceMoreAfterFenceAsync(statement, ct => ExecuteFanOutOnceAsync(statement, keys, args, bind, ct), cancellationToken);

    private async Task<int> ExecuteFanOutOnceAsync<TArgs>(
        int statement, IReadOnlyList<ShardKey>? keys, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, CancellationToken cancellationToken)
    {
        var (_, routes) = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        var plan = Plan(routes, statement, keys, combine: false);
        var scope = CallScope.Start(_names, statement, Telemetry.Kinds.MultiShard, ActivityKind.Internal);
        var started = Stopwatch.GetTimestamp();
        var times = new NodeTime[plan.Length];
        long? affected = null;
        try
        {
            var rows = await ExecuteFanOutCoreAsync(routes, plan, statement, args, bind, times, cancellationToken).ConfigureAwait(false);
            affected = rows;
            return rows;
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
        finally
        {
            _source.EndMultiNodeCall(scope, _names, statement, Telemetry.Kinds.MultiShard, started, plan.Length, affected, read: false, times);
        }
    }

    private async Task<int> ExecuteFanOutCoreAsync<TArgs>(
        Routes routes, WorkerStatement[] plan, int statement, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, NodeTime[] times, CancellationToken cancellationToken)
    {
        var texts = routes.Texts(statement);
        if (_source.CurrentTransaction is { } transaction)
        {
            using (await transaction.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                return await ExecuteFanOutInTransactionAsync(transaction, routes, texts, plan, args, bind, times, cancellationToken).ConfigureAwait(false);
            }
        }

        if (plan.Length > 1)
        {
            await using var writes = _source.BeginImplicitTransaction();
            int rows;
            using (await writes.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                rows = await ExecuteFanOutInTransactionAsync(writes, routes, texts, plan, args, bind, times, cancellationToken).ConfigureAwait(false);
            }

            await writes.CommitAsync(cancellationToken).ConfigureAwait(false);
            return rows;
        }

        // One worker: its batch is one implicit PostgreSQL transaction there.
        var outcomes = new Task<(int Affected, ShardOperationException? Failure)>[plan.Length];
        for (var i = 0; i < plan.Length; i++)
        {
            outcomes[i] = ExecuteOnWorkerAsync(routes, texts, plan[i], null, args, bind, times, i, cancellationToken);
        }

        var affected = 0;
        foreach (var (rows, failure) in await Task.WhenAll(outcomes).ConfigureAwait(false))
        {
            if (failure is not null)
            {
                throw failure;
            }

            affected += rows;
        }

        return affected;
    }

    /// <summary>
    /// One worker's batch of a multi-shard write, in the worker's span (a child of the call's, current in this method's flow
    /// so that Npgsql's span of the batch goes under it); notes in <paramref name="times"/> when it started and finished.
    /// </summary>
    private static async Task<(int Affected, ShardOperationException? Failure)> ExecuteOnWorkerAsync<TArgs>(
        Routes routes, string[] texts, WorkerStatement worker, NpgsqlConnection? transactionConnection, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, NodeTime[] times, int index, CancellationToken cancellationToken)
    {
        var span = Telemetry.StartNode(worker.Node);
        span?.SetTag(Telemetry.ShardCount, worker.Shards.Length);
        var started = Stopwatch.GetTimestamp();
        (int Affected, ShardOperationException? Failure) outcome;
        try
        {
            outcome = await RunAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            times[index] = new NodeTime(worker.Node, started, Stopwatch.GetTimestamp());
            Telemetry.EndNode(span, rows: null, ex);
            throw;
        }

        times[index] = new NodeTime(worker.Node, started, Stopwatch.GetTimestamp());
        Telemetry.EndNode(span, outcome.Failure is null ? outcome.Affected : null, outcome.Failure);
        return outcome;

        async Task<(int, ShardOperationException?)> RunAsync()
        {
            try
            {
                var connection = transactionConnection ?? await worker.Node.OpenConnectionAsync(null, null, cancellationToken).ConfigureAwait(false);
                await using var owned = transactionConnection is null ? connection : null;
                await using var batch = WorkerCursor.CreateBatch(connection, texts, worker.Shards, args, bind);
                try
                {
                    return (await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false), null);
                }
                catch (Exception ex) when (Failures.IsServerFailure(ex))
                {
                    return (0, WorkerCursor.Failure(routes, worker, batch, worker.Shards[0], ex));
                }
            }
            catch (Exception ex) when (Failures.IsServerFailure(ex))
            {
                return (0, Failures.OnWorker(routes, worker.Node, worker.Shards, ex));
            }
        }
    }

    /// <summary>
    /// The span over the routed parts of a multi-row INSERT split by key (<see cref="ShardedQuery.StartSplitCall"/>): current in
    /// the caller's flow until disposed. Its parts are routed calls with their own spans and measurements; it measures nothing.
    /// </summary>
    public SplitCall StartSplitCall(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if (!Telemetry.Source.HasListeners())
        {
            return default;
        }

        var span = Telemetry.Source.StartActivity(_names.SpanNames[0], ActivityKind.Internal);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(Telemetry.DbSystem, Telemetry.PostgreSql);
            span.SetTag(Telemetry.DbOperation, _names.Operations[0]);
            span.SetTag(Telemetry.DbCollection, _names.Collection);
            span.SetTag(Telemetry.CallKind, Telemetry.Kinds.MultiShard);
            span.SetTag(Telemetry.QueryName, _names.Query);
            span.SetTag(Telemetry.Parts, parts);
        }

        return new SplitCall(span);
    }

    /// <summary>
    /// Which worker runs which shards: every worker of the group with all its shards (and its combined
    /// text from the snapshot), or only the shards holding <paramref name="keys"/>, each once (a
    /// combined text for part of a worker's shards is composed here).
    /// </summary>
    private static WorkerStatement[] Plan(Routes routes, int statement, IReadOnlyList<ShardKey>? keys, bool combine)
    {
        var group = routes.Group!;
        var workers = group.ShardsByWorker;
        var combination = combine ? routes.WorkerCombination : null;
        var combinedAll = combination is null ? null : routes.WorkerTexts(statement);
        if (keys is null)
        {
            var all = new WorkerStatement[workers.Count];
            for (var i = 0; i < all.Length; i++)
            {
                all[i] = new WorkerStatement(workers[i].Node, workers[i].Shards, combinedAll?[i]);
            }

            return all;
        }

        var selected = new bool[group.ShardCount];
        var selectedOnWorker = new int[workers.Count];
        foreach (var key in keys)
        {
            var shard = ShardOf(routes, key);
            if (!selected[shard])
            {
                selected[shard] = true;
                selectedOnWorker[group.WorkerOfShard(shard)]++;
            }
        }

        var texts = routes.Texts(statement);
        var plan = new List<WorkerStatement>(workers.Count);
        foreach (var worker in workers)
        {
            var count = selectedOnWorker[worker.Index];
            if (count == 0)
            {
                continue;
            }

            if (count == worker.Shards.Length)
            {
                plan.Add(new WorkerStatement(worker.Node, worker.Shards, combinedAll?[worker.Index]));
                continue;
            }

            var shards = new int[count];
            var next = 0;
            foreach (var shard in worker.Shards)
            {
                if (selected[shard])
                {
                    shards[next++] = shard;
                }
            }

            var combined = combination is { } c ? QueryRoutes.Combine(c.Prefix, texts, shards, c.Suffix) : null;
            plan.Add(new WorkerStatement(worker.Node, shards, combined));
        }

        return plan.ToArray();
    }

    private sealed class HeadOrder<T>(Comparison<T> order) : IComparer<(T Row, int Worker)>
    {
        public int Compare((T Row, int Worker) x, (T Row, int Worker) y)
        {
            var byRow = order(x.Row, y.Row);
            return byRow != 0 ? byRow : x.Worker.CompareTo(y.Worker);
        }
    }
}
