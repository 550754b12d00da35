namespace ShardGen;

/// <summary>
/// The bounds of a shard group move (<see cref="ShardedDataSource.MoveShardGroupAsync"/>): every wait of the move has
/// one, and a move that runs past one fails, leaving its progress recorded for the next run to resume or clean up.
/// </summary>
public sealed record ShardMoveOptions
{
    /// <summary>The options a move uses when none are given.</summary>
    public static ShardMoveOptions Default { get; } = new();

    /// <summary>How long the initial copy of the rows may take, and, apart, the checksums of both copies before the write block. 30 minutes by default.</summary>
    public TimeSpan CopyTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How much the initial copy, and the proof's full read of both copies before the write block, yield to the clients,
    /// as gh-ost's <c>--nice-ratio</c>: after each 8 MB, a pause this many times as long as those took. 0 (the default)
    /// runs at full speed; 1 about halves the load they put on the source and the target and doubles their time. The write
    /// block does not pause.
    /// </summary>
    public double CopyNiceRatio
    {
        get => _copyNiceRatio;
        init => _copyNiceRatio = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A nice ratio is 0 or more.");
    }

    private readonly double _copyNiceRatio;

    /// <summary>How long the target may take to catch up with the source's writes before the write block. One minute by default.</summary>
    public TimeSpan CatchUpTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest the source's shard tables are closed to writes at a time: in each of the write block's two parts, taking
    /// the lock and the catch-up, then the snapshots (first part) or the checksums brought up to date and the fence (second
    /// part). Past it the block is lifted (rolled back) and the move fails. 30 seconds by default.
    /// </summary>
    public TimeSpan WriteBlockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long any lock the move takes may be waited for (PostgreSQL's <c>lock_timeout</c>). 5 seconds by default.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>The steps of a shard group move, reported as each begins.</summary>
public enum ShardMoveStep
{
    /// <summary>Settling what an earlier move left (resuming or cleaning it up), and dropping fenced copies of finished moves.</summary>
    Settling,

    /// <summary>Creating the shard tables on the target and copying the rows in the snapshot a replication slot begins at.</summary>
    Copying,

    /// <summary>The target applies the writes made on the source since the copy began.</summary>
    CatchingUp,

    /// <summary>
    /// With writes flowing, both copies checksummed in full in a snapshot of each; then those checksums rolled forward
    /// to newer snapshots from the rows written meanwhile.
    /// </summary>
    Proving,

    /// <summary>Writes to the source's shard tables wait: final catch-up, the checksums brought up to date from the rows written since the snapshots, the fence.</summary>
    WriteBlock,

    /// <summary>The source's copy is fenced (the write block committed); the metadata still names the source.</summary>
    Fenced,

    /// <summary>The metadata names the target; the subscription and publication are dropped.</summary>
    Switched,
}

/// <summary>Where a shard group move is, reported as each step begins and about twice a second while it copies and catches up.</summary>
/// <param name="Step">The step.</param>
/// <param name="RowsCopied">Rows copied to the target so far (a table whose copy is done counts as its estimate).</param>
/// <param name="RowsEstimated">The rows the source's statistics give for the moved shard tables (<c>pg_class.reltuples</c>; 0 before the copy, or for tables never analysed).</param>
/// <param name="LagBytes">While catching up: how much of the source's WAL the target has still to confirm.</param>
/// <param name="Elapsed">Time since the copy began.</param>
public sealed record ShardMoveProgress(ShardMoveStep Step, long RowsCopied, long RowsEstimated, long LagBytes, TimeSpan Elapsed)
{
    /// <summary>While copying: the time left at the rate so far; null when it cannot be told.</summary>
    public TimeSpan? Remaining =>
        Step == ShardMoveStep.Copying && RowsCopied > 0 && RowsEstimated > RowsCopied ? Elapsed * ((double)(RowsEstimated - RowsCopied) / RowsCopied) : null;

    /// <summary>One line for a person: the step, and rows and time left while copying, or the lag while catching up.</summary>
    public override string ToString() => Step switch
    {
        ShardMoveStep.Copying when RowsEstimated > 0 => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"copying: {RowsCopied:N0} of ~{RowsEstimated:N0} rows ({Math.Min(100, 100.0 * RowsCopied / RowsEstimated):F0}%){(Remaining is { } left ? $", ~{Math.Ceiling(left.TotalSeconds):F0} s left" : "")}"),
        ShardMoveStep.CatchingUp when LagBytes > 0 => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"catching up: {LagBytes / 1024.0:N0} kB behind"),
        _ => Step.ToString(),
    };
}

/// <summary>What a shard group move did.</summary>
/// <param name="MoveId">The move's row in <c>shardgen.moves</c> on the coordinator (0 when nothing had to move).</param>
/// <param name="ColocationGroup">The colocation group.</param>
/// <param name="ShardIndex">The shard index moved (every table of the group at that index).</param>
/// <param name="Source">The worker the shards left.</param>
/// <param name="Target">The worker that holds them now.</param>
/// <param name="Tables">Each shard table moved, with its rows and the checksum both copies had; empty when nothing moved.</param>
/// <param name="WriteBlock">How long writes to the shard tables waited: the write block, from the lock to the fence's commit.</param>
/// <param name="Elapsed">The whole move.</param>
public sealed record ShardMoveResult(
    long MoveId, string ColocationGroup, int ShardIndex, string Source, string Target, IReadOnlyList<MovedShardTable> Tables, TimeSpan WriteBlock, TimeSpan Elapsed);

/// <summary>One shard table of a move: its rows and the checksum both copies had (the sum of their rows' XxHash128 values).</summary>
public sealed record MovedShardTable(string Table, long ShardId, string ShardTable, long Rows, UInt128 Checksum);
