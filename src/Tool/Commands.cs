using System.Globalization;
using Npgsql;
using ShardGen.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ShardGen.Tool;

/// <summary><c>shardgen status</c>: what the cluster holds, read from its metadata and its nodes.</summary>
internal sealed class StatusCommand(IAnsiConsole console) : AsyncCommand<ClusterSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ClusterSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var map = await source.RefreshAsync(cancellationToken);
        console.MarkupLineInterpolated($"[bold]{(source.Engine == ShardEngine.Citus ? "Citus" : "ShardGen")} cluster[/], metadata version {map.Version}");

        var shards = await ShardsPerNodeAsync(source, map, cancellationToken);
        var nodes = new Table().AddColumns("node", "role", "address", "reference copies", "shards", "shard data", "prepared transactions");
        foreach (var node in map.Workers.Prepend(map.Coordinator))
        {
            var isCoordinator = ReferenceEquals(node, map.Coordinator);
            var (count, bytes) = shards.GetValueOrDefault(node.Name);
            var prepared = await ScalarAsync<long>(node, "SELECT count(*) FROM pg_prepared_xacts WHERE gid LIKE 'shardgen\\_%'", null, cancellationToken);
            nodes.AddRow(
                Markup.Escape(node.Name), isCoordinator ? "coordinator" : "worker", Markup.Escape($"{node.Host}:{node.Port}/{node.Database}"),
                isCoordinator ? "source" : map.ReadableCopies.Contains(node) ? "ready" : "filling",
                count.ToString(CultureInfo.InvariantCulture), Size(bytes), prepared.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(nodes);
        var groups = new Table().AddColumns("colocation group", "key type", "shards", "shards per node");
        foreach (var group in map.ColocationGroups)
        {
            var perNode = Enumerable.Range(0, group.ShardCount).GroupBy(group.NodeOfShard).Select(g => $"{g.Key.Name} {g.Count()}");
            groups.AddRow(Markup.Escape(group.Name), group.KeyType.SqlType(), group.ShardCount.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(", ", perNode)));
        }

        console.Write(groups);
        return 0;
    }

    // Per node: how many shard tables it holds, and their size with indexes (pg_total_relation_size on the node).
    private static async Task<Dictionary<string, (int Count, long Bytes)>> ShardsPerNodeAsync(ShardedDataSource source, ShardMap map, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (int, long)>(StringComparer.Ordinal);
        if (source.Engine == ShardEngine.Citus)
        {
            return result;
        }

        var names = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using (var coordinator = await map.Coordinator.DataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand(
            "SELECT n.name, s.table_name || '_' || s.shard_id FROM shardgen.shards s JOIN shardgen.placements p USING (shard_id) JOIN shardgen.nodes n USING (node_id)", coordinator))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!names.TryGetValue(reader.GetString(0), out var list))
                {
                    names[reader.GetString(0)] = list = [];
                }

                list.Add(reader.GetString(1));
            }
        }

        foreach (var node in map.Workers)
        {
            var tables = names.GetValueOrDefault(node.Name) ?? [];
            var bytes = await ScalarAsync<long>(node,
                "SELECT coalesce(sum(pg_total_relation_size(to_regclass(quote_ident(t)))), 0)::bigint FROM unnest($1) t", tables.ToArray(), cancellationToken);
            result[node.Name] = (tables.Count, bytes);
        }

        return result;
    }

    private static async Task<T> ScalarAsync<T>(Node node, string sql, string[]? names, CancellationToken cancellationToken)
    {
        await using var connection = await node.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        if (names is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
        }

        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F0} kB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):F2} GB"),
    };
}

/// <summary><c>shardgen apply</c>: ApplySchemaAsync of the application's model.</summary>
internal sealed class ApplyCommand(IAnsiConsole console) : AsyncCommand<ModelSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ModelSettings settings, CancellationToken cancellationToken)
    {
        var schema = ModelLoader.Load(settings.Assembly!);
        await using var source = Sources.Build(settings, schema);
        await source.ApplySchemaAsync(cancellationToken);
        var map = await source.RefreshAsync(cancellationToken);
        console.MarkupLineInterpolated($"Applied the model of {schema.Tables.Count} tables; metadata version {map.Version}.");
        return 0;
    }
}

/// <summary><c>shardgen migrate</c>: the dry run (PlanSchemaAsync) or the migration of the application's model.</summary>
internal sealed class MigrateCommand(IAnsiConsole console) : AsyncCommand<MigrateSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, MigrateSettings settings, CancellationToken cancellationToken)
    {
        var schema = ModelLoader.Load(settings.Assembly!);
        var options = new SchemaApplyOptions { AllowDestructiveChanges = settings.AllowDestructive };
        await using var source = Sources.Build(settings, schema);
        var plan = await source.PlanSchemaAsync(options, cancellationToken);
        console.WriteLine(plan.ToString());
        if (plan.Refused.Count > 0)
        {
            console.MarkupLine("[red]The migration is refused[/] (above); nothing was changed.");
            return 1;
        }

        if (settings.DryRun || plan.IsEmpty)
        {
            return 0;
        }

        await source.ApplySchemaAsync(options, cancellationToken);
        console.MarkupLineInterpolated($"Migrated: {plan.Statements.Count} statements run.");
        return 0;
    }
}

/// <summary><c>shardgen recover</c>: RecoverAsync.</summary>
internal sealed class RecoverCommand(IAnsiConsole console) : AsyncCommand<ClusterSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ClusterSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var result = await source.RecoverAsync(cancellationToken);
        console.WriteLine(result.ToString());
        return 0;
    }
}

/// <summary>
/// <c>shardgen move</c>: moves a shard group online (MoveShardGroupAsync, docs/operations.md), showing its steps as a live
/// status in a terminal and as plain lines otherwise; Ctrl-C stops it after undoing the move (or finishing it, when its source was fenced already).
/// </summary>
internal sealed class MoveCommand(IAnsiConsole console) : AsyncCommand<MoveSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, MoveSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var result = await Moving.RunAsync<ShardMoveProgress, ShardMoveResult>(console, "Moving", step => step.ToString(), progress =>
            source.MoveShardGroupAsync(settings.Group!, settings.Shard!.Value, settings.To!, settings.MoveOptions, progress, cancellationToken: cancellationToken));
        if (result.Tables.Count == 0)
        {
            console.MarkupLineInterpolated($"Shard {result.ShardIndex} of group '{result.ColocationGroup}' is on '{result.Target}' already: nothing moved.");
            return 0;
        }

        console.MarkupLineInterpolated(
            $"Moved shard {result.ShardIndex} of group '{result.ColocationGroup}' from '{result.Source}' to '{result.Target}' in {result.Elapsed.TotalSeconds:F1} s; writes waited {result.WriteBlock.TotalMilliseconds:F0} ms.");
        foreach (var table in result.Tables)
        {
            console.MarkupLineInterpolated($"  {table.ShardTable}: {table.Rows} rows, checksum {table.Checksum:x32} on both copies");
        }

        return 0;
    }

}

/// <summary><c>shardgen cleanup</c>: drops the fenced old copies of finished moves (CleanUpShardMovesAsync).</summary>
internal sealed class CleanUpCommand(IAnsiConsole console) : AsyncCommand<ClusterSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ClusterSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var dropped = await source.CleanUpShardMovesAsync(cancellationToken);
        console.MarkupLineInterpolated($"Dropped the fenced copies of {dropped} finished moves.");
        return 0;
    }
}

/// <summary><c>shardgen add-worker</c>: AddWorkerAsync, the worker's reference copies made whole before it serves reads.</summary>
internal sealed class AddWorkerCommand(IAnsiConsole console) : AsyncCommand<AddWorkerSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, AddWorkerSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var map = await source.AddWorkerAsync(settings.Connection, settings.Name, cancellationToken);
        var address = new NpgsqlConnectionStringBuilder(settings.Connection);
        var name = settings.Name ?? $"{address.Host}:{address.Port}/{address.Database ?? address.Username}";
        console.MarkupLineInterpolated($"Worker '{name}' added with its reference copies; the cluster has {map.Workers.Count} workers (metadata version {map.Version}). It holds no shards yet: run `shardgen rebalance`.");
        return 0;
    }
}

/// <summary><c>shardgen rebalance</c>: the plan (PlanRebalanceAsync), then its moves (RebalanceAsync) unless --plan.</summary>
internal sealed class RebalanceCommand(IAnsiConsole console) : AsyncCommand<RebalanceSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RebalanceSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var options = new RebalanceOptions { Strategy = settings.BySize ? RebalanceStrategy.ByDiskSize : RebalanceStrategy.ByShardCount };
        var plan = await source.PlanRebalanceAsync(options, cancellationToken);
        console.Write(plan.ToString());
        if (settings.PlanOnly || plan.IsEmpty)
        {
            return 0;
        }

        var moves = await Moving.RunAsync(console, "Rebalancing", progress => source.RebalanceAsync(options, settings.MoveOptions, progress, cancellationToken: cancellationToken));
        console.MarkupLineInterpolated($"Rebalanced: {moves.Count} shard groups moved; the longest write block was {(moves.Count == 0 ? 0 : moves.Max(m => m.WriteBlock.TotalMilliseconds)):F0} ms.");
        return 0;
    }
}

/// <summary><c>shardgen drain</c>: DrainWorkerAsync, every shard group off the worker, then the worker removed.</summary>
internal sealed class DrainCommand(IAnsiConsole console) : AsyncCommand<DrainSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DrainSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var moves = await Moving.RunAsync(console, "Draining", progress => source.DrainWorkerAsync(settings.Worker, settings.MoveOptions, progress, cancellationToken: cancellationToken));
        console.MarkupLineInterpolated($"Drained '{settings.Worker}': {moves.Count} shard groups moved, the worker removed from the cluster.");
        return 0;
    }
}

/// <summary><c>shardgen verify</c>: VerifyAsync; exits with 1 when the data and the metadata differ.</summary>
internal sealed class VerifyCommand(IAnsiConsole console) : AsyncCommand<ClusterSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ClusterSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var result = await source.VerifyAsync(cancellationToken);
        console.MarkupLineInterpolated($"Checked {result.ShardTables} shard tables ({result.ShardRows} rows) and {result.ReferenceCopies} reference copies.");
        foreach (var problem in result.Problems)
        {
            console.MarkupLineInterpolated($"[red]problem[/]: {problem.Message}");
        }

        console.MarkupLine(result.IsSound ? "The data matches the metadata." : $"[red]{result.Problems.Count} problems.[/]");
        return result.IsSound ? 0 : 1;
    }
}

/// <summary><c>shardgen split</c>: SplitColocationGroupAsync, every shard group of a colocation group split online to a larger count.</summary>
internal sealed class SplitCommand(IAnsiConsole console) : AsyncCommand<SplitSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SplitSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var splits = await Moving.RunAsync<RebalanceProgress, IReadOnlyList<ShardMoveResult>>(
            console, "Splitting", p => $"split {p.Move}/{p.Moves}: {p.Current.ColocationGroup} shard {p.Current.ShardIndex} {p.Current.Source} -> {p.Current.Target}: {p.Progress}",
            progress => source.SplitColocationGroupAsync(settings.Group, settings.Shards!.Value, settings.MoveOptions, progress, cancellationToken: cancellationToken));
        if (splits.Count == 0)
        {
            console.MarkupLineInterpolated($"Colocation group '{settings.Group}' has the ranges of {settings.Shards} shards already: nothing split.");
            return 0;
        }

        console.MarkupLineInterpolated($"Split {splits.Count} shard groups of '{settings.Group}': it has {settings.Shards} shards; the longest write block was {splits.Max(s => s.WriteBlock.TotalMilliseconds):F0} ms. Run `shardgen rebalance` to even them out.");
        return 0;
    }
}

/// <summary><c>shardgen isolate</c>: IsolateTenantAsync, one key's rows in a shard group of their own.</summary>
internal sealed class IsolateCommand(IAnsiConsole console) : AsyncCommand<IsolateSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, IsolateSettings settings, CancellationToken cancellationToken)
    {
        await using var source = Sources.Build(settings, new SchemaDefinition([]));
        var group = (await source.GetShardMapAsync(cancellationToken)).ColocationGroups.FirstOrDefault(g => g.Name == settings.Group)
            ?? throw new ArgumentException($"The cluster has no colocation group named '{settings.Group}'.");
        ShardKey key = group.KeyType switch
        {
            DistributionKeyType.Int32 => int.Parse(settings.Key, CultureInfo.InvariantCulture),
            DistributionKeyType.Int64 => long.Parse(settings.Key, CultureInfo.InvariantCulture),
            DistributionKeyType.Uuid => Guid.Parse(settings.Key, CultureInfo.InvariantCulture),
            _ => settings.Key,
        };
        var result = await Moving.RunAsync(console, "Isolating", progress => source.IsolateTenantAsync(settings.Group, key, settings.To, settings.MoveOptions, progress, cancellationToken: cancellationToken));
        if (result.Steps.Count == 0)
        {
            console.MarkupLineInterpolated($"The key has shard group {result.ShardIndex} of '{result.ColocationGroup}' to itself on '{result.Worker}' already: nothing changed.");
            return 0;
        }

        console.MarkupLineInterpolated($"The key has shard group {result.ShardIndex} of '{result.ColocationGroup}' to itself, on '{result.Worker}' ({result.Steps.Count} steps; the longest write block was {result.Steps.Max(s => s.WriteBlock.TotalMilliseconds):F0} ms).");
        return 0;
    }
}

/// <summary>Shows a move's, a rebalance's or a drain's progress as a live status in a terminal and as plain lines otherwise.</summary>
internal static class Moving
{
    public static Task<T> RunAsync<T>(IAnsiConsole console, string what, Func<IProgress<RebalanceProgress>, Task<T>> run) =>
        RunAsync(console, what, p => $"move {p.Move}/{p.Moves}: {p.Current.ColocationGroup} shard {p.Current.ShardIndex} {p.Current.Source} -> {p.Current.Target}: {p.Progress}", run);

    public static async Task<TResult> RunAsync<TProgress, TResult>(IAnsiConsole console, string what, Func<TProgress, string> line, Func<IProgress<TProgress>, Task<TResult>> run)
    {
        if (console.Profile.Capabilities.Interactive)
        {
            return await console.Status().StartAsync(what, status => run(new Reported<TProgress>(p => status.Status($"{what}: {line(p)}"))));
        }

        return await run(new Reported<TProgress>(p => console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {line(p)}")));
    }

    // Reports on the caller's flow as the operation reaches each point (Progress<T> would post to a pool thread, out of order).
    private sealed class Reported<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

internal static class Sources
{
    public static ShardedDataSource Build(ClusterSettings settings, SchemaDefinition schema)
    {
        var builder = new ShardedDataSourceBuilder(settings.CoordinatorConnection).UseSchema(schema).UseTransactionRecovery(TimeSpan.Zero, onLoad: false);
        if (settings.Citus)
        {
            builder.UseCitus();
        }

        for (var i = 0; i < settings.Workers.Length; i++)
        {
            builder.AddWorker(settings.Workers[i]);
        }

        return builder.Build();
    }
}
