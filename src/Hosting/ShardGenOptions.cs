namespace ShardGen.Hosting;

/// <summary>
/// What <c>services.AddShardGen(...)</c> builds the <see cref="ShardedDataSource"/> from: bound from the configuration
/// section <see cref="SectionName"/> (<c>appsettings.json</c>, environment variables such as
/// <c>ShardGen__Coordinator</c> and <c>ShardGen__Workers__worker1</c>), then changed by code. A setting left unset
/// keeps <see cref="ShardedDataSourceBuilder"/>'s default. Every setting is listed in <c>docs/hosting.md</c>.
/// </summary>
public sealed class ShardGenOptions
{
    /// <summary>The configuration section bound by default: <c>ShardGen</c>.</summary>
    public const string SectionName = "ShardGen";

    /// <summary>
    /// The configuration section a cluster registered by name (<c>services.AddKeyedShardGen(name, ...)</c>) is bound from:
    /// <c>ShardGen:Clusters:{name}</c>, e.g. <c>ShardGen:Clusters:eu:Coordinator</c> (environment variable
    /// <c>ShardGen__Clusters__eu__Coordinator</c>).
    /// </summary>
    public static string ClusterSectionName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return $"{SectionName}:Clusters:{name}";
    }

    /// <summary>The coordinator's Npgsql connection string (on Citus, the Citus coordinator's). Required.</summary>
    public string? Coordinator { get; set; }

    /// <summary>
    /// The workers, by name (the name the metadata knows each by: keep it the same in every process) to Npgsql connection
    /// string. At least one on the native engine; on Citus, optional (Citus lists its nodes).
    /// </summary>
    public Dictionary<string, string> Workers { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>Native</c> (ShardGen distributes the tables over plain PostgreSQL servers) or <c>Citus</c> (<see cref="ShardedDataSourceBuilder.UseCitus"/>).</summary>
    public ShardEngine Engine { get; set; } = ShardEngine.Native;

    /// <summary>Shards of a colocation group this data source creates (<see cref="ShardedDataSourceBuilder.UseShardCount"/>; 32 when unset).</summary>
    public int? ShardCount { get; set; }

    /// <summary>The most connections held open to each node at once (<see cref="ShardedDataSourceBuilder.UseMaxConnectionsPerNode"/>).</summary>
    public int? MaxConnectionsPerNode { get; set; }

    /// <summary>Statements each connection prepares automatically (<see cref="ShardedDataSourceBuilder.UseAutoPrepare"/>; 64 when unset).</summary>
    public int? MaxAutoPrepare { get; set; }

    /// <summary>How long a statement may run on a node before it fails (<see cref="ShardedDataSourceBuilder.UseNodeTimeouts"/>; whole seconds).</summary>
    public TimeSpan? CommandTimeout { get; set; }

    /// <summary>How long opening a connection (or waiting for one at the cap) may take (<see cref="ShardedDataSourceBuilder.UseNodeTimeouts"/>); needs <see cref="CommandTimeout"/>.</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>How often recovery of distributed transactions runs (<see cref="ShardedDataSourceBuilder.UseTransactionRecovery"/>; a minute when unset; zero: never).</summary>
    public TimeSpan? RecoveryInterval { get; set; }

    /// <summary>Whether recovery also runs when the data source first loads its shard map (true by default).</summary>
    public bool RecoverOnLoad { get; set; } = true;

    /// <summary>How often the data source looks for a newer shard map (<see cref="ShardedDataSourceBuilder.UseMapRefresh"/>; zero: never).</summary>
    public TimeSpan? MapRefreshInterval { get; set; }

    /// <summary>
    /// Whether errors and spans show key values and the servers' detail (<see cref="ShardedDataSourceBuilder.IncludeErrorDetail"/>).
    /// Unset: the coordinator's connection string decides (<c>Include Error Detail</c>), which by default redacts them.
    /// </summary>
    public bool? IncludeErrorDetail { get; set; }

    /// <summary>A call on several nodes (a multi-shard read or write, a reference write, a bulk insert) that takes this long or longer is logged as slow (<see cref="ShardedDataSourceBuilder.UseSlowFanOutThreshold"/>; one second when unset).</summary>
    public TimeSpan? SlowFanOutThreshold { get; set; }

    /// <summary>
    /// Whether the host applies the schema when it starts (<see cref="ShardedDataSource.ApplySchemaAsync(CancellationToken)"/>, before the
    /// application takes requests); false by default. Either way one log line says what was done.
    /// </summary>
    public bool ApplySchemaOnStart { get; set; }

    /// <summary>
    /// A builder with these options, checked: what is missing or contradictory is an error that names the setting, under
    /// <paramref name="section"/> (the section the options were bound from).
    /// </summary>
    internal ShardedDataSourceBuilder CreateBuilder(string section = SectionName)
    {
        var variable = section.Replace(":", "__", StringComparison.Ordinal);
        if (string.IsNullOrWhiteSpace(Coordinator))
        {
            throw new InvalidOperationException(
                $"ShardGen has no coordinator: set the configuration value '{section}:Coordinator' (environment variable {variable}__Coordinator) "
                + "to the coordinator's connection string, or set ShardGenOptions.Coordinator in AddShardGen(...).");
        }

        if (Engine == ShardEngine.Native && Workers.Count == 0)
        {
            throw new InvalidOperationException(
                $"ShardGen has no worker: add at least one under '{section}:Workers' (e.g. '{section}:Workers:worker1' or the environment variable "
                + $"{variable}__Workers__worker1) with the worker's connection string, or set Engine to Citus.");
        }

        var builder = new ShardedDataSourceBuilder(Coordinator);
        if (Engine == ShardEngine.Citus)
        {
            builder.UseCitus();
        }

        foreach (var (name, connectionString) in Workers)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException($"ShardGen worker '{name}' has no connection string ('{section}:Workers:{name}' is empty).");
            }

            builder.AddWorker(connectionString, name);
        }

        if (ShardCount is { } shards)
        {
            builder.UseShardCount(shards);
        }

        if (MaxConnectionsPerNode is { } max)
        {
            builder.UseMaxConnectionsPerNode(max);
        }

        if (MaxAutoPrepare is { } prepare)
        {
            builder.UseAutoPrepare(prepare);
        }

        if (CommandTimeout is { } command)
        {
            builder.UseNodeTimeouts(command, ConnectTimeout);
        }
        else if (ConnectTimeout is not null)
        {
            throw new InvalidOperationException($"'{section}:ConnectTimeout' is set without '{section}:CommandTimeout': set both (UseNodeTimeouts takes them together).");
        }

        if (RecoveryInterval is { } recovery)
        {
            builder.UseTransactionRecovery(recovery, RecoverOnLoad);
        }
        else if (!RecoverOnLoad)
        {
            builder.UseTransactionRecovery(ShardedDataSourceBuilder.DefaultRecoveryInterval, onLoad: false);
        }

        if (MapRefreshInterval is { } refresh)
        {
            builder.UseMapRefresh(refresh);
        }

        if (IncludeErrorDetail is { } include)
        {
            builder.IncludeErrorDetail(include);
        }

        if (SlowFanOutThreshold is { } slow)
        {
            builder.UseSlowFanOutThreshold(slow);
        }

        return builder;
    }
}
