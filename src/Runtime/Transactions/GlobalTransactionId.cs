using System.Globalization;

namespace ShardGen;

/// <summary>
/// The name a part of a distributed transaction is prepared under on its node:
/// <c>shardgen_&lt;cluster&gt;_&lt;transaction&gt;_&lt;participant&gt;</c>. The cluster id (from
/// <c>shardgen.cluster</c>) keeps clusters that share a server apart. The transaction id is a random
/// 128-bit id drawn by the committing process, never a coordinator transaction id: PostgreSQL does not
/// make an xid durable when it hands it out, so after a crash of the coordinator the same xid can name
/// another transaction, while a random id never repeats. The id keys the commit decision
/// (<c>shardgen.commit_decisions</c>) and the advisory lock its committer holds while deciding.
/// </summary>
internal static class GlobalTransactionId
{
    private const string Prefix = "shardgen_";

    public static Guid NewTransactionId() => Guid.NewGuid();

    public static string Format(int clusterId, Guid transactionId, int participant) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{clusterId}_{transactionId:N}_{participant}");

    /// <summary>The <c>LIKE</c> pattern of every id of one cluster.</summary>
    public static string Pattern(int clusterId) =>
        string.Create(CultureInfo.InvariantCulture, $"shardgen\\_{clusterId}\\_%");

    public static bool TryParse(string gid, int clusterId, out Guid transactionId)
    {
        transactionId = Guid.Empty;
        var head = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{clusterId}_");
        if (!gid.StartsWith(head, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = gid.AsSpan(head.Length);
        var end = rest.IndexOf('_');
        return end == 32
            && Guid.TryParseExact(rest[..end], "N", out transactionId)
            && int.TryParse(rest[(end + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>
    /// The key of the advisory lock (<c>pg_advisory_xact_lock(bigint)</c> on the coordinator) that the
    /// committer of <paramref name="transactionId"/> holds from before its first prepare until its decision
    /// commits or aborts: whoever can take it knows the decision is over. Two ids sharing a key only make
    /// recovery wait a run longer.
    /// </summary>
    public static long LockKey(Guid transactionId)
    {
        Span<byte> bytes = stackalloc byte[16];
        transactionId.TryWriteBytes(bytes);
        return BitConverter.ToInt64(bytes);
    }
}
