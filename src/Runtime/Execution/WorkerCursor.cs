using System.Diagnostics;
using Npgsql;

namespace ShardGen;

/// <summary>One worker's share of a fan-out: the shards it holds and, when combined, its one statement over them.</summary>
/// <param name="Node">The worker.</param>
/// <param name="Shards">The shard indexes it runs, in shard order.</param>
/// <param name="Combined">The one statement over all of <paramref name="Shards"/>; null to send each shard's statement in one batch.</param>
internal readonly record struct WorkerStatement(Node Node, int[] Shards, string? Combined);

/// <summary>
/// The rows of one worker's share of a fan-out read, pulled one at a time over the worker's own
/// connection: one combined statement, or a batch whose result sets are the worker's shards in order.
/// Disposing it before the rows ran out cancels the statement on the server rather than reading the
/// rest, and returns the connection to the pool.
/// </summary>
internal sealed class WorkerCursor : IAsyncDisposable
{
    private readonly Routes _routes;
    private readonly bool _ownsConnection;
    private NpgsqlConnection? _connection;
    private NpgsqlBatch? _batch;
    private NpgsqlCommand? _command;
    private NpgsqlDataReader? _reader;
    private int _result;
    private bool _done;

    /// <param name="routes">What the statement runs against.</param>
    /// <param name="statement">The worker and its shards.</param>
    /// <param name="index">The cursor's position among the call's workers.</param>
    /// <param name="connection">A transaction's open connection to the worker, used and left open; null to open one from the pool.</param>
    public WorkerCursor(Routes routes, WorkerStatement statement, int index, NpgsqlConnection? connection = null)
    {
        _routes = routes;
        _connection = connection;
        _ownsConnection = connection is null;
        Statement = statement;
        Index = index;
        _span = Telemetry.StartWorker(statement);
    }

    // The worker's child span of the fan-out's span, when the fan-out has one; ended with the worker's last row.
    private Activity? _span;
    private long _rows;

    /// <summary>When the worker's last row was read or its statement failed (<see cref="Stopwatch.GetTimestamp"/>); 0 while it runs.</summary>
    public long FinishedAt { get; private set; }

    /// <summary>The rows read from the worker so far.</summary>
    public long Rows => _rows;

    private void Finish(Exception? error = null)
    {
        _done = true;
        if (FinishedAt == 0)
        {
            FinishedAt = Stopwatch.GetTimestamp();
        }

        if (_span is { } span)
        {
            _span = null;
            if (error is not null)
            {
                Telemetry.SetError(span, error);
            }

            span.SetTag(Telemetry.Rows, _rows);
            span.Dispose();
        }
    }

    public WorkerStatement Statement { get; }

    /// <summary>The cursor's position among the call's workers: what breaks ties in a merge.</summary>
    public int Index { get; }

    /// <summary>The reader, positioned on the current row after <see cref="ReadAsync"/> returned true.</summary>
    public NpgsqlDataReader Reader => _reader!;

    /// <summary>The shard index of the current row for a batch; -1 for a combined statement.</summary>
    public int CurrentShard => _batch is null ? -1 : Statement.Shards[_result];

    /// <summary>Takes the worker's connection from its pool (waiting while the pool is at its cap), unless the cursor has one.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            _connection ??= await Statement.Node.OpenConnectionAsync(null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            var failure = Failure(ex);
            Finish(failure);
            throw failure;
        }
    }

    /// <summary>Opens the worker's connection if <see cref="OpenAsync"/> did not, and sends its statement; <paramref name="bind"/> runs once per command.</summary>
    public async Task StartAsync<TArgs>(string[] texts, TArgs args, Action<NpgsqlParameterCollection, TArgs> bind, CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }

        try
        {
            if (_span is not null)
            {
                // Npgsql's own span of the statement, if Npgsql is listened to, goes under the worker's.
                Activity.Current = _span;
            }

            _connection ??= await Statement.Node.OpenConnectionAsync(null, null, cancellationToken).ConfigureAwait(false);
            if (Statement.Combined is { } text)
            {
                _command = new NpgsqlCommand(text, _connection);
                bind(_command.Parameters, args);
                _reader = await _command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _batch = CreateBatch(_connection, texts, Statement.Shards, args, bind);
                _reader = await _batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            var failure = Failure(ex);
            Finish(failure);
            throw failure;
        }
    }

    /// <summary>Moves to the next row of the worker, across its shards' result sets; false when there is none.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return false;
        }

        try
        {
            while (!await _reader!.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_batch is null || !await _reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                    Finish();
                    return false;
                }

                _result++;
            }

            _rows++;
            return true;
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            var failure = Failure(ex);
            Finish(failure);
            throw failure;
        }
        catch (OperationCanceledException ex)
        {
            // Npgsql cancelled the statement on the server and read up to its end: nothing is left to cancel.
            Finish(ex);
            throw;
        }
    }

    /// <summary>One batch: each shard's statement, each bound on its own.</summary>
    public static NpgsqlBatch CreateBatch<TArgs>(NpgsqlConnection connection, string[] texts, int[] shards, TArgs args, Action<NpgsqlParameterCollection, TArgs> bind)
    {
        var batch = new NpgsqlBatch(connection);
        foreach (var shard in shards)
        {
            var command = new NpgsqlBatchCommand(texts[shard]);
            bind(command.Parameters, args);
            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    /// <summary>
    /// The error of a worker's statement: on the shard whose command failed, when the server says which;
    /// on all of the worker's shards when the worker went away or ran one combined statement.
    /// </summary>
    public static ShardOperationException Failure(Routes routes, WorkerStatement statement, NpgsqlBatch? batch, int currentShard, Exception ex)
    {
        if (batch is not null && ex is PostgresException failed && !Failures.IsUnavailable(ex))
        {
            var index = failed.BatchCommand is { } command ? batch.BatchCommands.IndexOf(command) : -1;
            return Failures.OnShard(routes, statement.Node, index >= 0 ? statement.Shards[index] : currentShard, ShardKey.None, ex);
        }

        return Failures.OnWorker(routes, statement.Node, statement.Shards, ex);
    }

    public async ValueTask DisposeAsync()
    {
        // A worker stopped before its last row (the caller had enough, or another worker failed) ends its span here.
        var done = _done;
        Finish();
        if (_reader is not null)
        {
            if (!done)
            {
                // Without this the reader would read every remaining row to get the connection back.
                try
                {
                    if (_batch is not null)
                    {
                        _batch.Cancel();
                    }
                    else
                    {
                        _command?.Cancel();
                    }
                }
                catch (Exception ex) when (Failures.IsServerFailure(ex) || ex is InvalidOperationException)
                {
                    // The reader below still brings the connection to the end of the statement.
                }
            }

            try
            {
                await _reader.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (Failures.IsServerFailure(ex) || ex is OperationCanceledException)
            {
                // The statement was cancelled or its node failed: either was reported, or nobody wants its rows.
            }
        }

        if (_batch is not null)
        {
            await _batch.DisposeAsync().ConfigureAwait(false);
        }

        if (_command is not null)
        {
            await _command.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is not null && _ownsConnection)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ShardOperationException Failure(Exception ex) =>
        Failure(_routes, Statement, _batch, CurrentShard, ex);
}
