namespace ShardGen;

/// <summary>How a <see cref="ShardedTransaction"/> behaves: where it may go and how long it waits for locks.</summary>
public sealed class ShardedTransactionOptions
{
    /// <summary>The lock timeout of transactions that do not set one: 10 seconds.</summary>
    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _lockTimeout = DefaultLockTimeout;

    /// <summary>
    /// When true, the transaction stays on the node of its first statement: a statement bound for
    /// another node fails with a <see cref="ShardTransactionException"/> naming the table, shard, key
    /// and both nodes, before anything is sent there. Such a transaction never pays for two-phase commit.
    /// </summary>
    public bool SingleWorkerOnly { get; init; }

    /// <summary>
    /// How long a statement of the transaction waits for a row or table lock on any node
    /// (<c>SET LOCAL lock_timeout</c>) before it fails with a retryable <see cref="ShardOperationException"/>.
    /// No server sees a deadlock between workers; this bound is what ends one.
    /// </summary>
    public TimeSpan LockTimeout
    {
        get => _lockTimeout;
        init
        {
            if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "A lock timeout is positive and at most int.MaxValue milliseconds: a lock wait is always bounded.");
            }

            _lockTimeout = value;
        }
    }

    internal static ShardedTransactionOptions Default { get; } = new();
}

/// <summary>Where a <see cref="ShardedTransaction"/> is in its life.</summary>
public enum ShardedTransactionStatus
{
    /// <summary>Statements run in it; nothing is committed yet.</summary>
    Active,

    /// <summary>A statement failed on a node: the transaction can only roll back.</summary>
    Failed,

    /// <summary>Committed on every node it touched.</summary>
    Committed,

    /// <summary>Rolled back on every node it touched (or being rolled back by recovery).</summary>
    RolledBack,
}
