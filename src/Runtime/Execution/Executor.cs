using System.Diagnostics;
using System.Runtime.CompilerServices;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The execution core under <see cref="ShardedTable"/> and <see cref="ShardedQuery"/>: it reads the
/// current <see cref="ShardMap"/> once per call, routes to the target (a key's shard, a reference copy
/// with failover, the coordinator, or several shards), runs the precompiled text there, and turns every
/// server failure into a <see cref="ShardOperationException"/> that names where it happened.
/// One instance per handle: it holds the rotation over reference copies.
/// </summary>
internal sealed partial class Executor
{
    private readonly ShardedDataSource _source;
    private readonly int _index;
    private readonly bool _isQuery;
    private int _nextCopy;

    public Executor(ShardedDataSource source, int index, bool isQuery)
    {
        _source = source;
        _index = index;
        _isQuery = isQuery;
        _names = new CallNames(source.Schema, index, isQuery);
        _onNotice = (_, e) =>
        {
            // Citus forwarded the routed statement to another node: the shard is no longer where the map says.
            if (e.Notice.MessageText.StartsWith("issuing ", StringComparison.Ordinal))
            {
                source.OnStaleRoute();
            }
        };
    }

    private readonly NoticeEventHandler _onNotice;

    /// <summary>What this handle's spans and measurements are called.</summary>
    private readonly CallNames _names;

    /// <summary>The kind of a call on one target, as spans and measurements name it.</summary>
    private static string KindOf(Routes routes, bool anywhere = false) => routes.Placement switch
    {
        TableKind.Distributed when !anywhere => Telemetry.Kinds.Router,
        TableKind.Distributed => Telemetry.Kinds.MultiShard,
        TableKind.Reference => Telemetry.Kinds.Reference,
        _ => Telemetry.Kinds.Coordinator,
    };

    /// <summary>Every row of a statement on one target: the key's shard, a reference copy, or the coordinator.</summary>
    public Task<List<T>> ListAsync<TArgs, T>(
        int statement, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
        => ReadAsync(statement, key, args, bind, read, static (reader, read, ct) => ReadListAsync(reader, read, ct), cancellationToken);

    /// <summary>The first row of a statement on one target, or default.</summary>
    public Task<T?> SingleAsync<TArgs, T>(
        int statement, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
        => ReadAsync(statement, key, args, bind, read, static (reader, read, ct) => ReadFirstAsync(reader, read, ct), cancellationToken);

    /// <summary>
    /// The rows of a statement on one target as they arrive. A reference read fails over to another copy
    /// only before the first row; stopping early cancels the statement instead of reading the rest.
    /// </summary>
    public async IAsyncEnumerable<T> StreamAsync<TArgs, T>(
        int statement, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (map, routes) = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        var texts = routes.Texts(statement);

        // An iterator shares its flow with the caller's code between rows: the span is made current only around the statement.
        var scope = CallScope.Start(_names, statement, KindOf(routes), ambient: false);
        if (_source.CurrentTransaction is { } transaction)
        {
            // In a transaction the rows are read first: the next call needs the same connection. The span covers that read.
            List<T> rows;
            var caller = Activity.Current;
            try
            {
                if (scope.Activity is not null)
                {
                    Activity.Current = scope.Activity;
                }

                rows = await ReadInTransactionAsync(
                    transaction, map, routes, texts, key, args, bind, read, static (reader, read, ct) => ReadListAsync(reader, read, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                scope.Fail(ex);
                throw;
            }
            finally
            {
                if (scope.Activity is not null)
                {
                    Activity.Current = caller;
                }

                scope.End();
            }

            foreach (var row in rows)
            {
                yield return row;
            }

            yield break;
        }

        var refreshed = false;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var target = ReadTarget(map, routes, key, attempt);
                scope.Target(target.Node, routes, target.Shard, key);
                await using var connection = CreateConnection(map, routes, target.Node);
                await using var command = new NpgsqlCommand(texts[target.Shard], connection);
                bind(command.Parameters, args);
                NpgsqlDataReader reader;
                var caller = Activity.Current;
                try
                {
                    if (scope.Activity is not null)
                    {
                        Activity.Current = scope.Activity;
                    }

                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                    reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (Failures.IsServerFailure(ex))
                {
                    if (Failures.IsUnavailable(ex) && CanFailOver(map, routes, attempt))
                    {
                        continue;
                    }

                    // Met a shard move's fence before the first row: once, on the placement a reloaded map gives.
                    if (!refreshed && IsFenced(routes, ex) && await RoutesAfterFenceAsync(map, routes, key, cancellationToken).ConfigureAwait(false) is { } moved)
                    {
                        OnFencedRetry(scope.Activity, statement, target.Node, moved.Map, moved.Routes, key);
                        (map, routes, texts, refreshed, attempt) = (moved.Map, moved.Routes, moved.Routes.Texts(statement), true, -1);
                        continue;
                    }

                    throw scope.Failed(Failures.OnShard(routes, target.Node, target.Shard, key, ex));
                }
                catch (OperationCanceledException ex)
                {
                    scope.Fail(ex);
                    throw;
                }
                finally
                {
                    if (scope.Activity is not null)
                    {
                        Activity.Current = caller;
                    }
                }

                var finished = false;
                try
                {
                    while (true)
                    {
                        try
                        {
                            finished = !await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (Failures.IsServerFailure(ex))
                        {
                            finished = true;
                            throw scope.Failed(Failures.OnShard(routes, target.Node, target.Shard, key, ex));
                        }
                        catch (OperationCanceledException ex)
                        {
                            finished = true;
                            scope.Fail(ex);
                            throw;
                        }

                        if (finished)
                        {
                            yield break;
                        }

                        // Npgsql hands out buffered rows without looking at the token: look at it here.
                        cancellationToken.ThrowIfCancellationRequested();
                        yield return read(reader);
                    }
                }
                finally
                {
                    await CloseAsync(command, reader, finished).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // Also when the caller stops early: the span covers the rows it read.
            scope.End();
        }
    }

    /// <summary>
    /// Runs a write and returns the rows it affected: on the key's shard; on the coordinator for local
    /// placement; on every copy of reference placement, in one fixed node order (coordinator, then the
    /// workers as the metadata lists them), returning the coordinator copy's count. In the ambient
    /// transaction when there is one; a reference write without one runs in a transaction of its own,
    /// committed with two-phase commit, so that the row is on every copy or on none.
    /// </summary>
    public async Task<int> ExecuteAsync<TArgs>(
        int statement, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind,
        CancellationToken cancellationToken)
    {
        var (map, routes) = await RoutesAsync(cancellationToken).ConfigureAwait(false);

        // A reference write on the native engine writes every copy itself: an Internal span over a child span per copy.
        var copies = routes.Placement == TableKind.Reference && map.Engine != ShardEngine.Citus;
        var scope = CallScope.Start(_names, statement, KindOf(routes), copies ? ActivityKind.Internal : ActivityKind.Client);
        var times = copies ? new List<NodeTime>(map.Workers.Count + 1) : null;
        var started = copies ? Stopwatch.GetTimestamp() : 0;
        long? affected = null;
        try
        {
            var rows = await ExecuteCoreAsync(map, routes, statement, key, args, bind, scope, times, cancellationToken).ConfigureAwait(false);
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
            if (times is null)
            {
                scope.End();
            }
            else
            {
                _source.EndMultiNodeCall(scope, _names, statement, Telemetry.Kinds.Reference, started, times.Count, affected, read: false, times);
            }
        }
    }

    private async Task<int> ExecuteCoreAsync<TArgs>(
        ShardMap map, Routes routes, int statement, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, CallScope scope, List<NodeTime>? times, CancellationToken cancellationToken)
    {
        var texts = routes.Texts(statement);
        var transaction = _source.CurrentTransaction;
        switch (routes.Placement)
        {
            case TableKind.Distributed:
            case TableKind.Local:
            case TableKind.Reference when map.Engine == ShardEngine.Citus:
                // On Citus a reference write (and a query sent as written) is one statement through the coordinator:
                // Citus writes every copy and commits them together.
                var target = routes.Placement == TableKind.Distributed ? KeyTarget(routes, key) : new Target(map.Coordinator, 0);
                scope.Target(target.Node, routes, target.Shard, key);
                if (transaction is null)
                {
                    return await ExecuteOnAsync(statement, map, routes, target, key, args, bind, scope, cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    return await ExecuteInTransactionAsync(transaction, map, routes, texts, target, key, args, bind, cancellationToken).ConfigureAwait(false);
                }
                catch (ShardOperationException ex) when (IsFenced(routes, ex.InnerException!))
                {
                    await ReloadAfterFenceAsync(map, routes, key, statement, target.Node, scope.Activity).ConfigureAwait(false);
                    throw;
                }
            default:
                if (transaction is not null)
                {
                    return await ExecuteOnCopiesAsync(transaction, map, routes, texts, key, args, bind, times!, cancellationToken).ConfigureAwait(false);
                }

                await using (var copies = _source.BeginImplicitTransaction())
                {
                    var affected = await ExecuteOnCopiesAsync(copies, map, routes, texts, key, args, bind, times!, cancellationToken).ConfigureAwait(false);
                    await copies.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return affected;
                }
        }
    }

    private async ValueTask<(ShardMap Map, Routes Routes)> RoutesAsync(CancellationToken cancellationToken)
    {
        var map = await _source.GetShardMapAsync(cancellationToken).ConfigureAwait(false);
        Routes routes = _isQuery ? map.QueryRoutesAt(_index) : map.RoutesAt(_index);
        return routes.Refusal is { } refusal ? throw new InvalidOperationException(refusal) : (map, routes);
    }

    /// <summary>
    /// A connection for a call outside a transaction: from the node's data source, or, for a call routed to a shard on
    /// Citus, from its routed data source, listening for Citus's report that it forwarded the statement (see
    /// <see cref="Node.RoutedDataSource"/>): the map is then reloaded in the background.
    /// </summary>
    private NpgsqlConnection CreateConnection(ShardMap map, Routes routes, Node node, bool anywhere = false)
    {
        // One routed call in ProbeEvery asks Citus where it ran: the notices cost every call that carries them (Citus
        // then also reports each local execution), so the others go without, and a stale map is still found within a
        // few calls to the node that lost the shard, besides the timer.
        if (map.Engine != ShardEngine.Citus || routes.Placement != TableKind.Distributed || anywhere
            || (Interlocked.Increment(ref _routedCalls) & (ProbeEvery - 1)) != 0)
        {
            return node.DataSource.CreateConnection();
        }

        var connection = node.RoutedDataSource.CreateConnection();
        connection.Notice += _onNotice;
        return connection;
    }

    /// <summary>How many routed calls on Citus share one that listens for Citus's report of a forwarded statement (a power of two).</summary>
    internal const int ProbeEvery = 16;

    private int _routedCalls;

    private async Task<TResult> ReadAsync<TArgs, TState, TResult>(
        int statement, ShardKey key, TArgs args, Action<NpgsqlParameterCollection, TArgs> bind,
        TState state, Func<NpgsqlDataReader, TState, CancellationToken, Task<TResult>> consume,
        CancellationToken cancellationToken, bool anywhere = false)
    {
        var (map, routes) = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        var texts = routes.Texts(statement);
        var refreshed = false;
        var scope = CallScope.Start(_names, statement, KindOf(routes, anywhere));
        try
        {
            if (_source.CurrentTransaction is { } transaction)
            {
                try
                {
                    return await ReadInTransactionAsync(transaction, map, routes, texts, key, args, bind, state, consume, cancellationToken, anywhere).ConfigureAwait(false);
                }
                catch (ShardOperationException ex) when (IsFenced(routes, ex.InnerException!))
                {
                    await ReloadAfterFenceAsync(map, routes, key, statement, KeyTarget(routes, key).Node, scope.Activity).ConfigureAwait(false);
                    throw;
                }
            }

            for (var attempt = 0; ; attempt++)
            {
                var target = ReadTarget(map, routes, key, attempt, anywhere);
                scope.Target(target.Node, routes, target.Shard, key);
                await using var connection = CreateConnection(map, routes, target.Node, anywhere);
                await using var command = new NpgsqlCommand(texts[target.Shard], connection);
                bind(command.Parameters, args);
                try
                {
                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    return await consume(reader, state, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (Failures.IsServerFailure(ex))
                {
                    if (Failures.IsUnavailable(ex) && CanFailOver(map, routes, attempt, anywhere))
                    {
                        continue;
                    }

                    // Met a shard move's fence: nothing was read; once, on the placement a reloaded map gives.
                    if (!refreshed && !anywhere && IsFenced(routes, ex) && await RoutesAfterFenceAsync(map, routes, key, cancellationToken).ConfigureAwait(false) is { } moved)
                    {
                        OnFencedRetry(scope.Activity, statement, target.Node, moved.Map, moved.Routes, key);
                        (map, routes, texts, refreshed, attempt) = (moved.Map, moved.Routes, moved.Routes.Texts(statement), true, -1);
                        continue;
                    }

                    throw Failures.OnShard(routes, target.Node, target.Shard, key, ex);
                }
            }
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
        finally
        {
            scope.End();
        }
    }

    private static async Task<List<T>> ReadListAsync<T>(NpgsqlDataReader reader, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static async Task<T?> ReadFirstAsync<T>(NpgsqlDataReader reader, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? read(reader) : default;

    private async Task<int> ExecuteOnAsync<TArgs>(
        int statement, ShardMap map, Routes routes, Target target, ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, CallScope scope, CancellationToken cancellationToken)
    {
        for (var refreshed = false; ; refreshed = true)
        {
            await using var connection = CreateConnection(map, routes, target.Node);
            await using var command = new NpgsqlCommand(routes.Texts(statement)[target.Shard], connection);
            bind(command.Parameters, args);
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Failures.IsServerFailure(ex))
            {
                // Met a shard move's fence: the statement failed before it wrote a row, in a transaction of its own that
                // rolled back; once, on the placement a reloaded map gives.
                if (!refreshed && IsFenced(routes, ex) && await RoutesAfterFenceAsync(map, routes, key, cancellationToken).ConfigureAwait(false) is { } moved)
                {
                    OnFencedRetry(scope.Activity, statement, target.Node, moved.Map, moved.Routes, key);
                    (map, routes) = moved;
                    target = KeyTarget(routes, key);
                    scope.Target(target.Node, routes, target.Shard, key);
                    continue;
                }

                throw Failures.OnShard(routes, target.Node, target.Shard, key, ex);
            }
        }
    }

    // A reader left before its end is cancelled on the server: otherwise disposing it reads every remaining row.
    private static async ValueTask CloseAsync(NpgsqlCommand command, NpgsqlDataReader reader, bool finished)
    {
        if (!finished)
        {
            try
            {
                command.Cancel();
            }
            catch (Exception ex) when (Failures.IsServerFailure(ex) || ex is InvalidOperationException)
            {
                // Disposing the reader below still brings the connection to the end of the statement.
            }
        }

        try
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex) || ex is OperationCanceledException)
        {
            // The statement was cancelled because nobody wants its rows, or it failed and that was reported.
        }
    }

    private static int ShardOf(Routes routes, ShardKey key)
    {
        var group = routes.Group!;
        if (!key.HasValue || key.Type != group.KeyType)
        {
            throw Failures.KeyMismatch(routes, key);
        }

        return group.ShardIndexOf(key);
    }

    private static Target KeyTarget(Routes routes, ShardKey key)
    {
        var shard = ShardOf(routes, key);
        return new Target(routes.Group!.NodeOfShard(shard), shard);
    }

    // Reads of reference placement go to one copy, rotating over the workers whose copies are complete,
    // and fail over to the next copy (the coordinator last) when a node cannot be reached.
    // On Citus a read of every shard (anywhere) is one statement over the distributed table that any node with Citus's
    // metadata runs: it rotates and fails over as a reference read does.
    private Target ReadTarget(ShardMap map, Routes routes, ShardKey key, int attempt, bool anywhere = false)
    {
        switch (routes.Placement)
        {
            case TableKind.Distributed when !anywhere:
                return KeyTarget(routes, key);
            case TableKind.Local:
                return new Target(map.Coordinator, 0);
            default:
                var workers = map.ReadableCopies;
                if (attempt >= workers.Count)
                {
                    return new Target(map.Coordinator, 0);
                }

                var first = attempt == 0 ? Interlocked.Increment(ref _nextCopy) : Volatile.Read(ref _nextCopy);
                return new Target(workers[(int)((uint)(first + attempt) % (uint)workers.Count)], 0);
        }
    }

    private static bool CanFailOver(ShardMap map, Routes routes, int attempt, bool anywhere = false) =>
        (routes.Placement == TableKind.Reference || anywhere) && attempt < map.ReadableCopies.Count;

    internal readonly record struct Target(Node Node, int Shard);
}
