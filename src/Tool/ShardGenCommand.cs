using Spectre.Console;
using Spectre.Console.Cli;

namespace ShardGen.Tool;

/// <summary>
/// The <c>shardgen</c> command line (docs/operations.md): what a cluster holds, and the schema operations of a compiled
/// model. Every command reaches the cluster through the runtime's own <see cref="ShardedDataSource"/>, so what it does is
/// what an application's call does.
/// </summary>
internal static class ShardGenCommand
{
    public static Task<int> RunAsync(string[] args, IAnsiConsole console, CancellationToken cancellationToken = default)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("shardgen");
            config.ConfigureConsole(console);
            config.AddCommand<StatusCommand>("status")
                .WithDescription("Nodes, colocation groups, shards and their sizes per node, and prepared transactions waiting for recovery.")
                .WithExample("status", "--coordinator", "\"Host=db0;Username=app;Database=app\"");
            config.AddCommand<ApplyCommand>("apply")
                .WithDescription("Creates what the compiled model needs and migrates the tables the cluster has to it, additive changes only (ApplySchemaAsync).")
                .WithExample("apply", "--assembly", "bin/Release/net10.0/App.dll", "--coordinator", "\"Host=db0;...\"", "--worker", "\"Host=db1;...\"");
            config.AddCommand<MigrateCommand>("migrate")
                .WithDescription("Shows (--dry-run) or applies the migration of the cluster to the compiled model; destructive changes only with --allow-destructive.")
                .WithExample("migrate", "--assembly", "bin/Release/net10.0/App.dll", "--coordinator", "\"Host=db0;...\"", "--dry-run");
            config.AddCommand<MoveCommand>("move")
                .WithDescription("Moves a shard group online to another worker: logical replication copy, a short write block with a checksum proof, the old copy fenced (docs/operations.md).")
                .WithExample("move", "--coordinator", "\"Host=db0;...\"", "--group", "int8", "--shard", "5", "--to", "db3:5432/app");
            config.AddCommand<AddWorkerCommand>("add-worker")
                .WithDescription("Adds a worker: registered with its reference tables copied and made identical before any read goes there; it then holds no shards (run rebalance).")
                .WithExample("add-worker", "--coordinator", "\"Host=db0;...\"", "\"Host=db3;Username=app;Database=app\"");
            config.AddCommand<RebalanceCommand>("rebalance")
                .WithDescription("Evens the shard groups out over the workers, by count (default) or --by-size; shows the plan first (--plan: only the plan), then moves them online one by one. Resumable; Ctrl-C undoes the move under way.")
                .WithExample("rebalance", "--coordinator", "\"Host=db0;...\"", "--plan");
            config.AddCommand<DrainCommand>("drain")
                .WithDescription("Moves every shard group off a worker online, then removes it from the cluster.")
                .WithExample("drain", "--coordinator", "\"Host=db0;...\"", "db1:5432/app");
            config.AddCommand<SplitCommand>("split")
                .WithDescription("Splits every shard group of a colocation group online to a larger shard count (each a logical replication copy into its pieces on another worker, a short write block with a checksum proof per piece, the old copy fenced). Resumable; Ctrl-C undoes the split under way.")
                .WithExample("split", "int8", "--shards", "64", "--coordinator", "\"Host=db0;...\"");
            config.AddCommand<IsolateCommand>("isolate")
                .WithDescription("Gives one tenant a shard group of its own: its shard group is split around the key's hash online, the tenant's piece goes to --to (or the least loaded other worker), the rest back to where it was.")
                .WithExample("isolate", "int8", "42", "--to", "db4:5432/app", "--coordinator", "\"Host=db0;...\"");
            config.AddCommand<VerifyCommand>("verify")
                .WithDescription("Reads every row: each shard row checked against PostgreSQL's own hash function on its worker, no stray shard copies, reference copies identical to the coordinator's. Exit code 1 on a difference.");
            config.AddCommand<CleanUpCommand>("cleanup")
                .WithDescription("Drops the fenced old copies that finished moves left.");
            config.AddCommand<RecoverCommand>("recover")
                .WithDescription("Settles the distributed transactions a crash left prepared on the workers (RecoverAsync).");
        });
        return app.RunAsync(args, cancellationToken);
    }
}
