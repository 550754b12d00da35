using Npgsql;

namespace ShardGen;

/// <summary>
/// One fan-out read in flight: every worker's statement sent at once (one connection each, in
/// parallel), then the rows pulled from the workers' cursors as the caller asks for them. Nothing is
/// buffered beyond what Npgsql reads ahead: the workers run in parallel, and a worker whose rows are
/// not read yet waits on its socket.
/// </summary>
internal sealed class FanOutCall : IAsyncDisposable
{
    private readonly Routes _routes;
    private readonly WorkerCursor[] _cursors;
    private readonly QueryOptions? _options;
    private int _current;

    private FanOutCall(Routes routes, WorkerCursor[] cursors, QueryOptions? options)
    {
        _routes = routes;
        _cursors = cursors;
        _options = options;
    }

    /// <summary>The workers still read from, in plan order.</summary>
    public IReadOnlyList<WorkerCursor> Cursors => _cursors;

    /// <summary>The cursor <see cref="MoveNextAsync"/> last moved.</summary>
    public WorkerCursor Current => _cursors[_current];

    /// <summary>
    /// Sends every worker's statement in parallel. A worker that fails is recorded and left out when
    /// partial results are allowed; otherwise its failure cancels the others and is thrown. With
    /// <paramref name="connections"/>, each worker's statement runs on the transaction's connection to it.
    /// </summary>
    public static async Task<FanOutCall> StartAsync<TArgs>(
        Routes routes, string[] texts, WorkerStatement[] plan, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, QueryOptions? options, CancellationToken cancellationToken,
        Func<Node, NpgsqlConnection>? connections = null)
    {
        var cursors = new WorkerCursor[plan.Length];
        for (var i = 0; i < cursors.Length; i++)
        {
            cursors[i] = new WorkerCursor(routes, plan[i], i, connections?.Invoke(plan[i].Node));
        }

        var call = new FanOutCall(routes, cursors, options);
        ShardOperationException? first = null;
        using var start = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            if (connections is null && cursors.Length > 1)
            {
                await OpenInNodeOrderAsync(cursors).ConfigureAwait(false);
            }

            var tasks = new Task[cursors.Length];
            for (var i = 0; i < tasks.Length; i++)
            {
                tasks[i] = StartOneAsync(cursors[i]);
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (first is not null && !cancellationToken.IsCancellationRequested)
        {
            // The other workers were cancelled because of the failure thrown below.
        }
        catch
        {
            await call.DisposeAsync().ConfigureAwait(false);

            // A worker that failed while the caller cancelled is not the caller's news.
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }

        if (first is not null)
        {
            await call.DisposeAsync().ConfigureAwait(false);
            throw first;
        }

        return call;

        async Task StartOneAsync(WorkerCursor cursor)
        {
            try
            {
                await cursor.StartAsync(texts, args, bind, start.Token).ConfigureAwait(false);
            }
            catch (ShardOperationException ex) when (!cancellationToken.IsCancellationRequested)
            {
                Failed(cursor, ex);
            }
        }

        // The connections are taken one worker after another, in one order for every call (Node.SlotOrder),
        // before any statement is sent. With a cap on each worker's connections, two fan-outs that each
        // took a worker's last connection in parallel would otherwise wait for each other's until the
        // pool's timeout; in one order, whoever holds the first worker's connection gets the next one.
        async Task OpenInNodeOrderAsync(WorkerCursor[] all)
        {
            var ordered = (WorkerCursor[])all.Clone();
            Array.Sort(ordered, static (a, b) => Node.SlotOrder(a.Statement.Node, b.Statement.Node));
            foreach (var cursor in ordered)
            {
                try
                {
                    await cursor.OpenAsync(start.Token).ConfigureAwait(false);
                }
                catch (ShardOperationException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Failed(cursor, ex);
                    if (first is not null)
                    {
                        return;
                    }
                }
            }
        }

        void Failed(WorkerCursor cursor, ShardOperationException ex)
        {
            if (options is { AllowPartialResults: true })
            {
                call.Record(cursor, ex);
            }
            else if (Interlocked.CompareExchange(ref first, ex, null) is null)
            {
                start.Cancel();
            }
        }
    }

    /// <summary>Moves to the next row of the concatenation: the workers one after another, each in the order its rows come.</summary>
    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        while (_current < _cursors.Length)
        {
            if (await AdvanceAsync(_cursors[_current], cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            _current++;
        }

        return false;
    }

    /// <summary>Moves one worker to its next row; a worker that fails ends there when partial results are allowed.</summary>
    public async ValueTask<bool> AdvanceAsync(WorkerCursor cursor, CancellationToken cancellationToken)
    {
        try
        {
            return await cursor.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ShardOperationException ex) when (_options is { AllowPartialResults: true } && !cancellationToken.IsCancellationRequested)
        {
            Record(cursor, ex);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        var disposals = new Task[_cursors.Length];
        for (var i = 0; i < disposals.Length; i++)
        {
            disposals[i] = _cursors[i].DisposeAsync().AsTask();
        }

        await Task.WhenAll(disposals).ConfigureAwait(false);
    }

    private void Record(WorkerCursor cursor, ShardOperationException error)
    {
        var node = cursor.Statement.Node.Name;
        _options!.Record(cursor.Statement.Shards.Select(shard =>
            new ShardFailure(_routes.Table, _routes.ShardIds[shard], _routes.ShardTables[shard], node, error)));
    }
}
