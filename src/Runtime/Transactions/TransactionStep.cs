namespace ShardGen;

/// <summary>
/// The steps of a distributed commit at which <see cref="ShardedDataSource.FaultHook"/> is called, each
/// before the step runs. A hook that throws simulates the process dying there: the transaction is
/// abandoned without any cleanup (its connections are closed, nothing else is sent), as a crash would
/// leave it, and recovery has to settle what is left.
/// </summary>
internal enum TransactionStep
{
    /// <summary>Before <c>PREPARE TRANSACTION</c> on one participant (the hook gets its node name).</summary>
    Prepare,

    /// <summary>Every participant prepared; before the commit decision is recorded on the coordinator.</summary>
    RecordDecision,

    /// <summary>The decision row is written in the deciding session; before that session's <c>COMMIT</c> (the commit point).</summary>
    CommitDecision,

    /// <summary>The decision is recorded; before <c>COMMIT PREPARED</c> on one participant (the hook gets its node name).</summary>
    CommitPrepared,

    /// <summary>Every participant committed; before the decision record is deleted.</summary>
    Forget,
}

/// <summary>What a fault hook threw, carried out of the protocol so that nothing cleans up after it.</summary>
internal sealed class SimulatedCrashException(Exception fault) : Exception("A fault hook stopped the transaction protocol.", fault);

/// <summary>One node a transaction runs on: its connection, in a transaction since the node was enlisted.</summary>
internal sealed class Participant(Node node, Npgsql.NpgsqlConnection connection)
{
    public Node Node { get; } = node;

    public Npgsql.NpgsqlConnection Connection { get; } = connection;

    /// <summary>The global transaction id this part is (being) prepared under; null before two-phase commit.</summary>
    public string? Gid { get; set; }

    /// <summary>Whether <c>PREPARE TRANSACTION</c> succeeded: the part survives this connection and a crash of its server.</summary>
    public bool Prepared { get; set; }
}
