using Npgsql;

namespace ShardGen;

/// <summary>A failure of ShardGen, or of a server reached through it, that names where it happened.</summary>
public class ShardGenException : Exception
{
    public ShardGenException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A statement failed on one shard or copy, or the node holding it could not be reached.
/// The message names the query (for a planned query), the table, the shard (id, table, index) or, for a
/// worker's statement over several shards, their ids, the node and, for a routed call, the key: by its type
/// only, unless the data source includes error detail (<see cref="ShardedDataSourceBuilder.IncludeErrorDetail"/>).
/// </summary>
public sealed class ShardOperationException : ShardGenException
{
    internal ShardOperationException(string message, Exception innerException, string table, long? shardId, string? shardTable, string node, bool nodeUnavailable, string? query = null)
        : base(message, innerException)
    {
        Query = query;
        Table = table;
        ShardId = shardId;
        ShardTable = shardTable;
        Node = node;
        IsNodeUnavailable = nodeUnavailable;
    }

    /// <summary>The planned query that failed (<c>Namespace.Type.Method</c>); null for a table's own statements.</summary>
    public string? Query { get; }

    /// <summary>The logical table, e.g. <c>orders</c> (for a query, its routing table, or the tables a reference or local query reads).</summary>
    public string Table { get; }

    /// <summary>The shard id for a distributed table; null for reference and local tables, and for a worker's statement over several shards.</summary>
    public long? ShardId { get; }

    /// <summary>The physical table the statement ran against, e.g. <c>orders_102008</c>.</summary>
    public string? ShardTable { get; }

    /// <summary>The name of the node (worker or coordinator).</summary>
    public string Node { get; }

    /// <summary>True when the node could not be reached at all (down, refused, timed out).</summary>
    public bool IsNodeUnavailable { get; }

    /// <summary>The SQLSTATE of the server's error, when the server answered with one.</summary>
    public string? SqlState => (InnerException as PostgresException)?.SqlState;

    /// <summary>
    /// True when running the whole transaction again may succeed: a deadlock, a serialization failure,
    /// or a lock wait past the transaction's <see cref="ShardedTransactionOptions.LockTimeout"/>.
    /// </summary>
    public bool IsRetryable => Failures.IsRetryable(SqlState);
}

/// <summary>
/// A sharded transaction could not do what was asked: commit (it was rolled back, or its outcome is not
/// known yet), or run a statement (it is limited to one worker, or failed earlier).
/// </summary>
public sealed class ShardTransactionException : ShardGenException
{
    internal ShardTransactionException(string message, Exception? innerException = null, bool outcomeUnknown = false)
        : base(message, innerException)
    {
        OutcomeUnknown = outcomeUnknown;
    }

    /// <summary>
    /// True when the commit decision may or may not have been recorded (the coordinator went away while
    /// recording it): recovery (<see cref="ShardedDataSource.RecoverAsync"/>) settles every part the same
    /// way, committed or rolled back; until then it is not known which.
    /// </summary>
    public bool OutcomeUnknown { get; }
}

/// <summary>The compiled model and what the cluster's metadata holds do not agree.</summary>
public sealed class SchemaMismatchException : ShardGenException
{
    public SchemaMismatchException(IReadOnlyList<string> differences)
        : base("The compiled model differs from the cluster's metadata:" + Environment.NewLine
               + string.Join(Environment.NewLine, differences.Select(d => "  - " + d)) + Environment.NewLine
               + "What the cluster has beyond the model (columns that are nullable or have a default, indexes, constraints) does not matter; ApplySchemaAsync adds "
               + "new tables, columns (nullable or with a default), indexes and constraints, and makes destructive changes only with SchemaApplyOptions.AllowDestructiveChanges; "
               + "see \"Changing the model\" in docs/schema.md.")
    {
        Differences = differences;
    }

    public IReadOnlyList<string> Differences { get; }
}

/// <summary>
/// A connection to a node could not be had: every connection this data source may hold to it
/// (<see cref="ShardedDataSourceBuilder.UseMaxConnectionsPerNode"/>, or the connection string's
/// <c>Max Pool Size</c>) is in use. Nothing was sent to the node.
/// </summary>
public sealed class ShardPoolExhaustedException : ShardGenException
{
    internal ShardPoolExhaustedException(Node node, string message)
        : base(message)
    {
        Node = node.Name;
    }

    /// <summary>The name of the node whose connections are all in use.</summary>
    public string Node { get; }

    /// <summary>Always true: the connections are busy, not broken; the call (or the whole transaction) can run again.</summary>
    public bool IsRetryable => true;
}
