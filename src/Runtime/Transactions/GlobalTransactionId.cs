using System.Globalization;

namespace ShardGen;

/// <summary>
/// The name a part of a distributed transaction is prepared under on its node:
/// <c>shardgen_&lt;cluster&gt;_&lt;coordinator transaction&gt;_&lt;participant&gt;</c>. The cluster id (from
/// <c>shardgen.cluster</c>) keeps clusters that share a server apart; the coordinator transaction is the
/// one that records the commit decision, so a part's fate is read off the coordinator: its decision row,
/// or the status of that transaction.
/// </summary>
internal static class GlobalTransactionId
{
    private const string Prefix = "shardgen_";

    public static string Format(int clusterId, long coordinatorTransaction, int participant) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{clusterId}_{coordinatorTransaction}_{participant}");

    /// <summary>The <c>LIKE</c> pattern of every id of one cluster.</summary>
    public static string Pattern(int clusterId) =>
        string.Create(CultureInfo.InvariantCulture, $"shardgen\\_{clusterId}\\_%");

    public static bool TryParse(string gid, int clusterId, out long coordinatorTransaction)
    {
        coordinatorTransaction = 0;
        var head = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{clusterId}_");
        if (!gid.StartsWith(head, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = gid.AsSpan(head.Length);
        var end = rest.IndexOf('_');
        return end > 0
            && long.TryParse(rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out coordinatorTransaction)
            && int.TryParse(rest[(end + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}
