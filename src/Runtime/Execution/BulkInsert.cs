using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>What one finished batch of a bulk insert reports: the batch's shard and worker, its rows, and the running total.</summary>
/// <param name="Table">The logical table, e.g. <c>orders</c>.</param>
/// <param name="ShardId">The shard the batch went to.</param>
/// <param name="ShardTable">The physical table on the worker, e.g. <c>orders_102008</c>.</param>
/// <param name="ShardIndex">The shard's position in its colocation group.</param>
/// <param name="Worker">The name of the worker holding the shard.</param>
/// <param name="Rows">The rows of this batch.</param>
/// <param name="RowsWritten">The rows of every batch written so far by the call, this one included.</param>
public readonly record struct BulkInsertProgress(string Table, long ShardId, string ShardTable, int ShardIndex, string Worker, int Rows, long RowsWritten);

/// <summary>How a bulk insert cuts its rows into batches.</summary>
public sealed class BulkInsertOptions
{
    /// <summary>The options used when none are given.</summary>
    public static BulkInsertOptions Default { get; } = new();

    /// <summary>
    /// How many rows of one shard are gathered before they are sent with one binary <c>COPY</c> (default
    /// 10,000). Memory held is about this many rows per shard, plus two batches queued per worker.
    /// </summary>
    public int BatchRows
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 10_000;
}

/// <summary>
/// One bulk insert into a distributed table: each row routed to its shard by its key, gathered per shard,
/// and sent with binary <c>COPY</c> into the shard table; one connection per worker, the workers written in
/// parallel while the caller's rows are still being read. Everything runs in one transaction (the ambient
/// one, or one of the call's own committed at the end, with two-phase commit when it reached several
/// workers): the rows are all there or none is.
/// </summary>
internal sealed class BulkInsert<T>
{
    private readonly TableRoutes _routes;
    private readonly ColocationGroup _group;
    private readonly Func<T, ShardKey> _key;
    private readonly Action<NpgsqlBinaryImporter, T> _write;
    private readonly IProgress<BulkInsertProgress>? _progress;
    private readonly int _batchRows;
    private readonly string[] _copy;
    private readonly List<T>?[] _buffers;
    private readonly Channel<(int Shard, List<T> Rows)>[] _channels;
    private readonly NodeTime[] _times;
    private long _written;

    // On Citus: one COPY stream into the distributed table, through one session, and Citus sends each row to its shard.
    private readonly Node? _citusSession;

    private BulkInsert(
        TableRoutes routes, Func<T, ShardKey> key, Action<NpgsqlBinaryImporter, T> write, IProgress<BulkInsertProgress>? progress, BulkInsertOptions options,
        Node? citusSession)
    {
        _routes = routes;
        _group = routes.Group!;
        _key = key;
        _write = write;
        _progress = progress;
        _batchRows = options.BatchRows;
        _citusSession = citusSession;
        var columns = string.Join(", ", routes.Definition.Columns.Select(c => Identifiers.Quote(c.Name)));
        _copy = citusSession is null
            ? routes.ShardTables.Select(t => $"COPY {Identifiers.Quote(t)} ({columns}) FROM STDIN (FORMAT BINARY)").ToArray()
            : [.. Enumerable.Repeat($"COPY {Identifiers.Quote(routes.Table)} ({columns}) FROM STDIN (FORMAT BINARY)", _group.ShardCount)];
        _buffers = new List<T>?[_group.ShardCount];
        _channels = new Channel<(int, List<T>)>[citusSession is null ? _group.ShardsByWorker.Count : 1];
        _times = new NodeTime[_channels.Length];
        for (var i = 0; i < _channels.Length; i++)
        {
            // Two batches queued per worker: enough to keep it busy, little enough to hold back a fast reader.
            _channels[i] = Channel.CreateBounded<(int, List<T>)>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        }
    }

    public static Task<long> RunAsync(
        ShardedDataSource source, int tableIndex, CallNames names, IEnumerable<T> rows, Func<T, ShardKey> key, Action<NpgsqlBinaryImporter, T> write,
        IProgress<BulkInsertProgress>? progress, BulkInsertOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return RunAsync(source, tableIndex, names, key, write, progress, options, async (insert, ct) =>
        {
            foreach (var row in rows)
            {
                await insert.AddAsync(row, ct).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    public static Task<long> RunAsync(
        ShardedDataSource source, int tableIndex, CallNames names, IAsyncEnumerable<T> rows, Func<T, ShardKey> key, Action<NpgsqlBinaryImporter, T> write,
        IProgress<BulkInsertProgress>? progress, BulkInsertOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return RunAsync(source, tableIndex, names, key, write, progress, options, async (insert, ct) =>
        {
            await foreach (var row in rows.WithCancellation(ct).ConfigureAwait(false))
            {
                await insert.AddAsync(row, ct).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    private static async Task<long> RunAsync(
        ShardedDataSource source, int tableIndex, CallNames names, Func<T, ShardKey> key, Action<NpgsqlBinaryImporter, T> write,
        IProgress<BulkInsertProgress>? progress, BulkInsertOptions? options, Func<BulkInsert<T>, CancellationToken, Task> produce,
        CancellationToken cancellationToken)
    {
        var map = await source.GetShardMapAsync(cancellationToken).ConfigureAwait(false);
        var routes = map.RoutesAt(tableIndex);
        if (routes.Group is null)
        {
            throw new InvalidOperationException(
                $"Table '{routes.Table}' is a {routes.Placement.ToString().ToLowerInvariant()} table: bulk insert routes rows to shards, so it serves distributed tables only. Insert its rows with InsertAsync or UpsertAsync.");
        }

        var ambient = source.CurrentTransaction;
        var citusSession = map.Engine == ShardEngine.Citus ? ambient?.SessionNode ?? map.Coordinator : null;
        var insert = new BulkInsert<T>(routes, key, write, progress, options ?? BulkInsertOptions.Default, citusSession);

        // A multi-shard call: an Internal span over a child span per node written, the commit of its own transaction under it.
        var scope = CallScope.Start(names, 0, Telemetry.Kinds.MultiShard, ActivityKind.Internal);
        var started = Stopwatch.GetTimestamp();
        var transaction = ambient ?? source.BeginImplicitTransaction();
        long? written = null;
        try
        {
            using (await transaction.EnterAsync(cancellationToken).ConfigureAwait(false))
            {
                await insert.LoadAsync(transaction, produce, cancellationToken).ConfigureAwait(false);
            }

            if (ambient is null)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }

            written = insert._written;
            return insert._written;
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
        finally
        {
            if (ambient is null)
            {
                // Rolls back on every worker unless the commit above ran.
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            var reached = insert._times.Count(t => t.Node is not null);
            source.EndMultiNodeCall(scope, names, 0, Telemetry.Kinds.MultiShard, started, reached, written, read: false, insert._times);
        }
    }

    private async Task LoadAsync(ShardedTransaction transaction, Func<BulkInsert<T>, CancellationToken, Task> produce, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writers = new Task[_channels.Length];
        for (var i = 0; i < writers.Length; i++)
        {
            writers[i] = WriteOrStopAsync(i);
        }

        // A worker that fails stops reading its batches: the reader, which may be waiting to queue one more there, is
        // stopped with it (else it would wait for ever on a full queue), and the worker's failure is the one reported.
        async Task WriteOrStopAsync(int index)
        {
            try
            {
                await WriteWorkerAsync(transaction, index, _citusSession ?? _group.ShardsByWorker[index].Node, _channels[index].Reader, stop.Token).ConfigureAwait(false);
            }
            catch
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }

        Exception? failure = null;
        try
        {
            await produce(this, stop.Token).ConfigureAwait(false);
            for (var shard = 0; shard < _buffers.Length; shard++)
            {
                if (_buffers[shard] is { Count: > 0 } rest)
                {
                    await SendAsync(shard, rest, stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex;
            await stop.CancelAsync().ConfigureAwait(false);
        }

        foreach (var channel in _channels)
        {
            channel.Writer.TryComplete();
        }

        try
        {
            await Task.WhenAll(writers).ConfigureAwait(false);
        }
        catch (Exception) when (writers.Any(w => w.IsFaulted || w.IsCanceled))
        {
            // The failures are looked at below, the first worker's that is not a cancellation first.
        }

        // A worker's failure explains the others' cancellation and the reader's: it is the one to report.
        var workerFailure = writers
            .Where(w => w.IsFaulted)
            .Select(w => w.Exception!.InnerException!)
            .OrderBy(e => e is OperationCanceledException ? 1 : 0)
            .FirstOrDefault();
        var reported = workerFailure is not null && (workerFailure is not OperationCanceledException || failure is null) ? workerFailure : failure;
        if (reported is not null)
        {
            // The statement that failed (or was cancelled) aborted its worker's transaction: only a rollback is left.
            transaction.Fail(reported);
            ExceptionDispatchInfo.Throw(reported);
        }
    }

    private ValueTask AddAsync(T row, CancellationToken cancellationToken)
    {
        var shard = _group.ShardIndexOf(_key(row));
        var buffer = _buffers[shard] ??= new List<T>(Math.Min(_batchRows, 1024));
        buffer.Add(row);
        if (buffer.Count < _batchRows)
        {
            return ValueTask.CompletedTask;
        }

        _buffers[shard] = null;
        return SendAsync(shard, buffer, cancellationToken);
    }

    private ValueTask SendAsync(int shard, List<T> rows, CancellationToken cancellationToken) =>
        _channels[_citusSession is null ? _group.WorkerOfShard(shard) : 0].Writer.WriteAsync((shard, rows), cancellationToken);

    private async Task WriteWorkerAsync(ShardedTransaction transaction, int index, Node node, ChannelReader<(int Shard, List<T> Rows)> batches, CancellationToken cancellationToken)
    {
        // A worker that receives no row is never reached: it takes no part in the transaction, and has no span.
        NpgsqlConnection? connection = null;
        Activity? span = null;
        long rowsHere = 0;
        HashSet<int>? shards = null;
        try
        {
            await foreach (var (shard, rows) in batches.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (connection is null)
                {
                    // The node's span, a child of the call's, is current in this flow: Npgsql's spans of its COPYs go under it.
                    span = Telemetry.StartNode(node);
                    shards = span is null ? null : [];
                    _times[index] = new NodeTime(node, Stopwatch.GetTimestamp(), 0);
                    connection = await transaction.ConnectionAsync(
                        node,
                        () => Failures.Where(_routes, node, shard, ShardKey.None),
                        ex => Failures.OnShard(_routes, node, shard, ShardKey.None, ex),
                        cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    await using var importer = await connection.BeginBinaryImportAsync(_copy[shard], cancellationToken).ConfigureAwait(false);
                    foreach (var row in rows)
                    {
                        _write(importer, row);
                    }

                    await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (Failures.IsServerFailure(ex))
                {
                    throw Failures.OnShard(_routes, node, shard, ShardKey.None, ex);
                }

                rowsHere += rows.Count;
                shards?.Add(shard);
                var written = Interlocked.Add(ref _written, rows.Count);
                _progress?.Report(new BulkInsertProgress(_routes.Table, _routes.ShardIds[shard], _routes.ShardTables[shard], shard, node.Name, rows.Count, written));
            }
        }
        catch (Exception ex)
        {
            EndNode(ex);
            throw;
        }

        EndNode(null);

        void EndNode(Exception? error)
        {
            if (_times[index].Node is not null)
            {
                _times[index] = _times[index] with { Finished = Stopwatch.GetTimestamp() };
            }

            if (span is not null && shards is not null)
            {
                span.SetTag(Telemetry.ShardCount, shards.Count);
            }

            Telemetry.EndNode(span, rowsHere, error);
        }
    }
}
