using System.Net.Sockets;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

public sealed partial class ShardedTable
{
    private int _nextCopy;

    private async Task<T?> QuerySingleCoreAsync<TArgs, T>(
        ShardKey key, int statement, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
    {
        var routes = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var target = ReadTarget(routes, key, attempt);
            await using var command = target.Node.DataSource.CreateCommand(routes.Statements[statement][target.Shard]);
            bind(command.Parameters, args);
            try
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? read(reader) : default;
            }
            catch (Exception ex) when (IsServerFailure(ex))
            {
                if (IsUnavailable(ex) && CanFailOver(routes, attempt))
                {
                    continue;
                }

                throw Failure(routes, target, key, ex);
            }
        }
    }

    private async Task<List<T>> QueryListCoreAsync<TArgs, T>(
        ShardKey key, int statement, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
    {
        var routes = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var target = ReadTarget(routes, key, attempt);
            await using var command = target.Node.DataSource.CreateCommand(routes.Statements[statement][target.Shard]);
            bind(command.Parameters, args);
            try
            {
                var rows = new List<T>();
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(read(reader));
                }

                return rows;
            }
            catch (Exception ex) when (IsServerFailure(ex))
            {
                if (IsUnavailable(ex) && CanFailOver(routes, attempt))
                {
                    continue;
                }

                throw Failure(routes, target, key, ex);
            }
        }
    }

    private async Task<int> ExecuteCoreAsync<TArgs>(
        ShardKey key, int statement, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind,
        CancellationToken cancellationToken)
    {
        var routes = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        if (Definition.Kind != TableKind.Reference)
        {
            var target = Definition.Kind == TableKind.Distributed
                ? KeyTarget(routes, key)
                : new Target(Source.CurrentShardMap!.Coordinator, 0);
            return await ExecuteOnAsync(routes, target, key, statement, args, bind, cancellationToken).ConfigureAwait(false);
        }

        // Every copy, in one fixed node order (coordinator, then workers as the metadata lists them).
        // Each copy commits on its own; the two-phase-commit issue (#5) makes the copies atomic.
        var map = Source.CurrentShardMap!;
        var affected = await ExecuteOnAsync(routes, new Target(map.Coordinator, 0), key, statement, args, bind, cancellationToken).ConfigureAwait(false);
        foreach (var worker in map.Workers)
        {
            await ExecuteOnAsync(routes, new Target(worker, 0), key, statement, args, bind, cancellationToken).ConfigureAwait(false);
        }

        return affected;
    }

    private async Task<List<T>> QueryAllShardsCoreAsync<T>(int statement, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var routes = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        if (routes.Group is null)
        {
            return await QueryListCoreAsync(ShardKey.None, statement, 0, static (_, _) => { }, read, cancellationToken).ConfigureAwait(false);
        }

        // One connection per worker, that worker's shards in one batch, workers in parallel.
        var group = routes.Group;
        var shardsByNode = new Dictionary<Node, List<int>>();
        for (var shard = 0; shard < group.ShardCount; shard++)
        {
            var node = group.NodeOfShard(shard);
            if (!shardsByNode.TryGetValue(node, out var shards))
            {
                shardsByNode[node] = shards = [];
            }

            shards.Add(shard);
        }

        var perShard = new List<T>[group.ShardCount];
        await Task.WhenAll(shardsByNode.Select(entry => QueryNodeShardsAsync(routes, entry.Key, entry.Value, statement, read, perShard, cancellationToken))).ConfigureAwait(false);
        var rows = new List<T>(perShard.Sum(p => p.Count));
        foreach (var shardRows in perShard)
        {
            rows.AddRange(shardRows);
        }

        return rows;
    }

    private async Task QueryNodeShardsAsync<T>(
        TableRoutes routes, Node node, List<int> shards, int statement, Func<NpgsqlDataReader, T> read,
        List<T>[] perShard, CancellationToken cancellationToken)
    {
        await using var batch = node.DataSource.CreateBatch();
        foreach (var shard in shards)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(routes.Statements[statement][shard]));
        }

        var current = 0;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            do
            {
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(read(reader));
                }

                perShard[shards[current++]] = rows;
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (IsServerFailure(ex))
        {
            var failed = ex is PostgresException { BatchCommand: { } command } ? batch.BatchCommands.IndexOf(command) : current;
            throw Failure(routes, new Target(node, shards[Math.Clamp(failed, 0, shards.Count - 1)]), ShardKey.None, ex);
        }
    }

    private async Task<int> ExecuteOnAsync<TArgs>(
        TableRoutes routes, Target target, ShardKey key, int statement, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, CancellationToken cancellationToken)
    {
        await using var command = target.Node.DataSource.CreateCommand(routes.Statements[statement][target.Shard]);
        bind(command.Parameters, args);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsServerFailure(ex))
        {
            throw Failure(routes, target, key, ex);
        }
    }

    private ValueTask<TableRoutes> RoutesAsync(CancellationToken cancellationToken)
    {
        var map = Source.CurrentShardMap;
        return map is not null
            ? new ValueTask<TableRoutes>(map.RoutesAt(Index))
            : LoadAsync(cancellationToken);

        async ValueTask<TableRoutes> LoadAsync(CancellationToken ct) =>
            (await Source.GetShardMapAsync(ct).ConfigureAwait(false)).RoutesAt(Index);
    }

    private Target KeyTarget(TableRoutes routes, ShardKey key)
    {
        var shard = routes.Group!.ShardIndexOf(key);
        return new Target(routes.Group.NodeOfShard(shard), shard);
    }

    // Reads of a reference table go to one copy, rotating over the workers, and fail over to the
    // next copy (the coordinator last) when a node cannot be reached.
    private Target ReadTarget(TableRoutes routes, ShardKey key, int attempt)
    {
        var map = Source.CurrentShardMap!;
        switch (Definition.Kind)
        {
            case TableKind.Distributed:
                return KeyTarget(routes, key);
            case TableKind.Local:
                return new Target(map.Coordinator, 0);
            default:
                var workers = map.Workers;
                if (attempt >= workers.Count)
                {
                    return new Target(map.Coordinator, 0);
                }

                var first = attempt == 0 ? Interlocked.Increment(ref _nextCopy) : Volatile.Read(ref _nextCopy);
                return new Target(workers[(int)((uint)(first + attempt) % (uint)workers.Count)], 0);
        }
    }

    private bool CanFailOver(TableRoutes routes, int attempt) =>
        Definition.Kind == TableKind.Reference && attempt < Source.CurrentShardMap!.Workers.Count;

    private static bool IsServerFailure(Exception ex) =>
        ex is NpgsqlException or TimeoutException or SocketException;

    private static bool IsUnavailable(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException or TimeoutException or SocketException => true,
        _ => false,
    };

    private ShardOperationException Failure(TableRoutes routes, Target target, ShardKey key, Exception ex)
    {
        var unavailable = IsUnavailable(ex);
        var node = target.Node;
        var where = routes.Group is null
            ? $"table '{Definition.Name}' ({Definition.Kind.ToString().ToLowerInvariant()}) on node '{node.Name}' ({node.Host}:{node.Port})"
            : $"table '{Definition.Name}', shard {routes.ShardIds[target.Shard]} (\"{routes.ShardTables[target.Shard]}\", shard {target.Shard} of {routes.Group.ShardCount}) on worker '{node.Name}' ({node.Host}:{node.Port})"
              + (key.HasValue ? $", key {key}" : "");
        var what = unavailable ? "cannot be reached" : "failed";
        return new ShardOperationException(
            $"{char.ToUpperInvariant(where[0])}{where[1..]}: {what}: {ex.Message}",
            ex,
            Definition.Name,
            routes.Group is null ? null : routes.ShardIds[target.Shard],
            routes.ShardTables[target.Shard],
            node.Name,
            unavailable);
    }

    private readonly record struct Target(Node Node, int Shard);
}
