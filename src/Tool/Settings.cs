using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ShardGen.Tool;

/// <summary>How to reach the cluster: the coordinator, and the workers as the application gives them.</summary>
internal class ClusterSettings : CommandSettings
{
    [CommandOption("-c|--coordinator <CONNECTION>")]
    [Description("The coordinator's Npgsql connection string (else SHARDGEN_COORDINATOR).")]
    public string? Coordinator { get; init; }

    [CommandOption("-w|--worker <CONNECTION>")]
    [Description("A worker's connection string, as the application gives it (repeat for each; workers the cluster knows are found in its metadata).")]
    public string[] Workers { get; init; } = [];

    [CommandOption("--citus")]
    [Description("The coordinator runs Citus: the topology is Citus's own.")]
    public bool Citus { get; init; }

    public string CoordinatorConnection => Coordinator ?? Environment.GetEnvironmentVariable("SHARDGEN_COORDINATOR") ?? "";

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(CoordinatorConnection)
            ? ValidationResult.Error("Give the coordinator: --coordinator \"<Npgsql connection string>\" (or set SHARDGEN_COORDINATOR).")
            : ValidationResult.Success();
}

/// <summary>A compiled model as well: the application's assembly, whose generated ShardDatabase holds it.</summary>
internal class ModelSettings : ClusterSettings
{
    [CommandOption("-a|--assembly <PATH>")]
    [Description("The application's built assembly (bin/Release/net10.0/App.dll): its generated ShardDatabase.Schema is the model.")]
    public string? Assembly { get; init; }

    public override ValidationResult Validate()
    {
        var cluster = base.Validate();
        if (!cluster.Successful)
        {
            return cluster;
        }

        return string.IsNullOrWhiteSpace(Assembly)
            ? ValidationResult.Error("Give the application's assembly: --assembly bin/Release/net10.0/App.dll (build it first).")
            : ValidationResult.Success();
    }
}

internal sealed class MigrateSettings : ModelSettings
{
    [CommandOption("--dry-run")]
    [Description("Print the statements the migration would run, phase by phase and node by node, and change nothing.")]
    public bool DryRun { get; init; }

    [CommandOption("--allow-destructive")]
    [Description("Also make destructive changes: drop what the model no longer has, change types, nullability and keys.")]
    public bool AllowDestructive { get; init; }
}

/// <summary>The options of the commands that copy shard groups between workers (move, rebalance, drain, split, isolate).</summary>
internal class MovingSettings : ClusterSettings
{
    [CommandOption("--nice-ratio <RATIO>")]
    [Description("How much each copy, and the checksums read before the write block, yield to the clients: after each 8 MB a pause that many times as long as the 8 MB took (0, the default: full speed; 1: about half the load for twice the time). The write block never pauses.")]
    public double NiceRatio { get; init; }

    /// <summary>The options of each move.</summary>
    public ShardMoveOptions MoveOptions => new() { CopyNiceRatio = NiceRatio };

    public override ValidationResult Validate()
    {
        var cluster = base.Validate();
        return !cluster.Successful ? cluster
            : NiceRatio < 0 || !double.IsFinite(NiceRatio) ? ValidationResult.Error("--nice-ratio is 0 or more.")
            : ValidationResult.Success();
    }
}

internal sealed class MoveSettings : MovingSettings
{
    [CommandOption("-g|--group <NAME>")]
    [Description("The colocation group (as status lists it, e.g. int8).")]
    public string? Group { get; init; }

    [CommandOption("-s|--shard <INDEX>")]
    [Description("The shard index to move: every table of the group at that index moves together.")]
    public int? Shard { get; init; }

    [CommandOption("-t|--to <WORKER>")]
    [Description("The worker to move it to, by the name status lists.")]
    public string? To { get; init; }

    public override ValidationResult Validate()
    {
        var cluster = base.Validate();
        return !cluster.Successful ? cluster
            : Group is null || Shard is null || To is null ? ValidationResult.Error("Give the shard group and the target: --group <name> --shard <index> --to <worker>.")
            : ValidationResult.Success();
    }
}

internal sealed class AddWorkerSettings : ClusterSettings
{
    [CommandArgument(0, "<CONNECTION>")]
    [Description("The new worker's Npgsql connection string; other processes reach it with their coordinator's credentials.")]
    public string Connection { get; init; } = "";

    [CommandOption("-n|--name <NAME>")]
    [Description("Its name in the metadata (default host:port/database).")]
    public string? Name { get; init; }
}

internal sealed class DrainSettings : MovingSettings
{
    [CommandArgument(0, "<WORKER>")]
    [Description("The worker to empty and remove, by the name status lists.")]
    public string Worker { get; init; } = "";
}

internal sealed class RebalanceSettings : MovingSettings
{
    [CommandOption("--plan")]
    [Description("Show the plan (moves, and each worker before and after) and change nothing.")]
    public bool PlanOnly { get; init; }

    [CommandOption("--by-size")]
    [Description("Even out the shard groups' size on disk instead of their count (Citus's by_disk_size).")]
    public bool BySize { get; init; }
}

internal sealed class SplitSettings : MovingSettings
{
    [CommandArgument(0, "<GROUP>")]
    [Description("The colocation group to split (as status lists it, e.g. int8).")]
    public string Group { get; init; } = "";

    [CommandOption("--shards <COUNT>")]
    [Description("The shard count it ends with; its present ranges must be ranges of that count (doubling always works: 32 -> 64).")]
    public int? Shards { get; init; }

    public override ValidationResult Validate()
    {
        var cluster = base.Validate();
        return !cluster.Successful ? cluster
            : Shards is not > 0 ? ValidationResult.Error("Give the shard count to split to: --shards <count>.")
            : ValidationResult.Success();
    }
}

internal sealed class IsolateSettings : MovingSettings
{
    [CommandArgument(0, "<GROUP>")]
    [Description("The colocation group of the tenant's tables (as status lists it, e.g. int8).")]
    public string Group { get; init; } = "";

    [CommandArgument(1, "<KEY>")]
    [Description("The tenant's distribution key value, as text (a number, a string or a uuid, as the group's key type).")]
    public string Key { get; init; } = "";

    [CommandOption("-t|--to <WORKER>")]
    [Description("The worker the tenant's shard group goes to (default: the one holding the fewest of the group's shards, other than its own).")]
    public string? To { get; init; }
}
