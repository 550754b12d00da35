namespace ShardGen;

/// <summary>How a fan-out read treats workers that fail.</summary>
/// <remarks>
/// One instance can be passed to several calls (also concurrently); <see cref="FailedShards"/> then
/// lists the failures of all of them.
/// </remarks>
public sealed class QueryOptions
{
    private readonly object _lock = new();
    private ShardFailure[] _failedShards = [];

    /// <summary>
    /// When true, a fan-out read whose worker fails returns the rows of the healthy workers and lists
    /// every shard of the failed worker in <see cref="FailedShards"/> (rows that worker sent before it
    /// failed stay in the result, so its shards' rows may be partly there). When false (the default),
    /// the first failure throws and the other workers' statements are cancelled.
    /// </summary>
    public bool AllowPartialResults { get; init; }

    /// <summary>The shards whose rows are missing (or incomplete) from the results, in the order the failures were seen.</summary>
    public IReadOnlyList<ShardFailure> FailedShards => Volatile.Read(ref _failedShards);

    internal void Record(IEnumerable<ShardFailure> failures)
    {
        lock (_lock)
        {
            _failedShards = [.. _failedShards, .. failures];
        }
    }
}

/// <summary>A shard whose rows a fan-out read with <see cref="QueryOptions.AllowPartialResults"/> could not return.</summary>
/// <param name="Table">The logical table whose shard it is (for a query, its routing table).</param>
/// <param name="ShardId">The shard id.</param>
/// <param name="ShardTable">The physical table, e.g. <c>orders_102008</c>.</param>
/// <param name="Node">The name of the worker that failed.</param>
/// <param name="Error">What failed: a <see cref="ShardOperationException"/> naming the worker and its shards.</param>
public sealed record ShardFailure(string Table, long ShardId, string ShardTable, string Node, Exception Error);
