using System.Globalization;
using Npgsql;

namespace ShardGen;

// A look at the cluster for a health probe: what a data source can see without changing anything.
public sealed partial class ShardedDataSource
{
    /// <summary>
    /// Looks at the cluster as this data source sees it (<c>docs/hosting.md</c>): whether every node answers, whether the shard
    /// map is loaded (it loads it if not) and still the cluster's newest, whether prepared transactions have waited for
    /// recovery longer than <paramref name="preparedLongerThan"/> (one minute by default), and, on the native engine, whether
    /// every worker holds a complete copy of the reference tables. Nothing is written; each node is asked once, in parallel.
    /// </summary>
    public async Task<ClusterHealth> CheckHealthAsync(TimeSpan? preparedLongerThan = null, CancellationToken cancellationToken = default)
    {
        var age = preparedLongerThan ?? TimeSpan.FromMinutes(1);
        ArgumentOutOfRangeException.ThrowIfLessThan(age, TimeSpan.Zero, nameof(preparedLongerThan));
        var unreachable = new List<string>();
        var problems = new List<string>();
        ShardMap map;
        try
        {
            map = await GetShardMapAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ShardGenException || Failures.IsServerFailure(ex))
        {
            return new ClusterHealth(null, null, [Coordinator.Name], 0, [], [$"the shard map could not be loaded: {ex.Message}"]);
        }

        long? clusterVersion = null;
        try
        {
            clusterVersion = await CurrentVersionAsync(cancellationToken).ConfigureAwait(false);
            if (clusterVersion != map.Version)
            {
                problems.Add($"the shard map in use is version {map.Version}, the cluster's is {clusterVersion}: it is reloaded on the next refresh (or RefreshAsync)");
            }
        }
        catch (Exception ex) when (ex is ShardGenException || Failures.IsServerFailure(ex))
        {
            // The coordinator's own probe below says it is out of reach.
        }

        var nodes = map.Workers.Prepend(map.Coordinator).ToArray();
        var pattern = Engine == ShardEngine.Citus ? "citus\\_%" : "shardgen\\_%";
        var waiting = await Task.WhenAll(nodes.Select(node => PreparedWaitingAsync(node, pattern, age, cancellationToken))).ConfigureAwait(false);
        var prepared = 0;
        for (var i = 0; i < nodes.Length; i++)
        {
            if (waiting[i] is { } count)
            {
                prepared += count;
                if (count > 0)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"node '{nodes[i].Name}' holds {count} prepared transaction(s) older than {age.TotalSeconds:0.#} s, waiting for recovery"));
                }
            }
            else
            {
                unreachable.Add(nodes[i].Name);
                problems.Add($"node '{nodes[i].Name}' ({nodes[i].Host}:{nodes[i].Port}) cannot be reached");
            }
        }

        var withoutCopies = Engine == ShardEngine.Native
            ? map.Workers.Where(w => !map.ReadableCopies.Contains(w)).Select(w => w.Name).ToArray()
            : [];
        foreach (var worker in withoutCopies)
        {
            problems.Add($"worker '{worker}' has no complete copy of the reference tables yet: ApplySchemaAsync fills it");
        }

        return new ClusterHealth(map.Version, clusterVersion, unreachable, prepared, withoutCopies, problems);
    }

    // How many of ShardGen's (or Citus's) prepared transactions a node holds older than the age; null when it cannot be reached.
    private static async Task<int?> PreparedWaitingAsync(Node node, string pattern, TimeSpan age, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await node.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(
                "SELECT count(*)::int FROM pg_prepared_xacts WHERE gid LIKE $1 AND database = current_database() AND prepared < now() - $2", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pattern });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = age });
            return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex) || ex is TimeoutException)
        {
            return null;
        }
    }
}

/// <summary>What <see cref="ShardedDataSource.CheckHealthAsync"/> found; healthy when <see cref="Problems"/> is empty.</summary>
public sealed class ClusterHealth
{
    internal ClusterHealth(long? mapVersion, long? clusterVersion, IReadOnlyList<string> unreachableNodes, int preparedWaiting, IReadOnlyList<string> workersWithoutReferenceCopies, IReadOnlyList<string> problems)
    {
        MapVersion = mapVersion;
        ClusterVersion = clusterVersion;
        UnreachableNodes = unreachableNodes;
        PreparedTransactionsWaiting = preparedWaiting;
        WorkersWithoutReferenceCopies = workersWithoutReferenceCopies;
        Problems = problems;
    }

    /// <summary>The version of the shard map in use; null when none could be loaded.</summary>
    public long? MapVersion { get; }

    /// <summary>The version the coordinator's metadata (or Citus's catalogs) has now; null when it could not be read.</summary>
    public long? ClusterVersion { get; }

    /// <summary>The nodes (the coordinator or workers, by name) that did not answer.</summary>
    public IReadOnlyList<string> UnreachableNodes { get; }

    /// <summary>Prepared transactions older than the age asked about, on the nodes that answered: what recovery has yet to settle.</summary>
    public int PreparedTransactionsWaiting { get; }

    /// <summary>Workers whose copy of the reference tables is not complete (native engine).</summary>
    public IReadOnlyList<string> WorkersWithoutReferenceCopies { get; }

    /// <summary>Each problem found, in words a person can act on; empty when the cluster is healthy.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Whether nothing is wrong.</summary>
    public bool IsHealthy => Problems.Count == 0;

    /// <summary>Whether a node is out of reach or no map could be loaded: calls fail, not just run behind.</summary>
    public bool IsUnavailable => UnreachableNodes.Count > 0 || MapVersion is null;
}
