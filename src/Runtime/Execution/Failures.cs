using System.Net.Sockets;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>What counts as a failure of a node or its statement, and the error that names where it happened.</summary>
internal static class Failures
{
    /// <summary>A failure of the server or of the way to it (as opposed to a bug in a row mapper).</summary>
    public static bool IsServerFailure(Exception ex) =>
        ex is NpgsqlException or TimeoutException or SocketException;

    /// <summary>The node could not be reached, or went away: another copy may answer instead.</summary>
    public static bool IsUnavailable(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException or TimeoutException or SocketException => true,
        _ => false,
    };

    /// <summary>A failure on one shard (or the copy or coordinator of a table without shards).</summary>
    public static ShardOperationException OnShard(Routes routes, Node node, int shard, ShardKey key, Exception ex)
    {
        var group = routes.Group;
        return Create(routes, node, Where(routes, node, shard, key), group is null ? null : routes.ShardIds[shard], routes.ShardTables[shard], ex);
    }

    /// <summary>Where a statement on one shard (or copy, or the coordinator) runs, as errors name it.</summary>
    public static string Where(Routes routes, Node node, int shard, ShardKey key)
    {
        var group = routes.Group;
        var where = group is null
            ? $"{routes.Subject} ({routes.Placement.ToString().ToLowerInvariant()}) on node '{node.Name}' ({node.Host}:{node.Port})"
            : $"{routes.Subject}, shard {routes.ShardIds[shard]} (\"{routes.ShardTables[shard]}\", shard {shard} of {group.ShardCount}) on worker '{node.Name}' ({node.Host}:{node.Port})"
              + (key.HasValue ? $", key {key.ForMessage(routes.IncludeErrorDetail)}" : "");
        return where;
    }

    /// <summary>
    /// A failure that retrying the whole transaction may cure: a serialization failure, a deadlock
    /// PostgreSQL detected, or a lock wait that ran past the transaction's lock timeout (the way a
    /// deadlock across workers, which no single server can see, ends).
    /// </summary>
    public static bool IsRetryable(string? sqlState) => sqlState is "40001" or "40P01" or "55P03";

    /// <summary>A failure of one worker's statement (or connection) that covers several of its shards.</summary>
    public static ShardOperationException OnWorker(Routes routes, Node node, IReadOnlyList<int> shards, Exception ex)
    {
        if (shards.Count == 1)
        {
            return OnShard(routes, node, shards[0], ShardKey.None, ex);
        }

        var ids = string.Join(", ", shards.Select(shard => routes.ShardIds[shard].ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var where = $"{routes.Subject}, shards {ids} ({shards.Count} of {routes.Group!.ShardCount}) on worker '{node.Name}' ({node.Host}:{node.Port})";
        return Create(routes, node, where, null, null, ex);
    }

    /// <summary>A key that cannot be routed by the routes' colocation group.</summary>
    public static ArgumentException KeyMismatch(Routes routes, ShardKey key)
    {
        var group = routes.Group!;
        var owner = routes.Query is null ? routes.Subject : $"query '{routes.Query}' on {routes.Subject}";
        return new ArgumentException(
            key.HasValue
                ? $"{Capitalize(owner)} is routed by {group.KeyType.SqlType()} keys (colocation group '{group.Name}'); the key given is {key.Type.SqlType()}"
                  + (routes.IncludeErrorDetail ? $" ({key.ForMessage(includeValue: true)})." : ".")
                : $"{Capitalize(owner)} is routed by a {group.KeyType.SqlType()} key (colocation group '{group.Name}'); none was given.",
            nameof(key));
    }

    private static ShardOperationException Create(Routes routes, Node node, string where, long? shardId, string? shardTable, Exception ex)
    {
        var unavailable = IsUnavailable(ex);
        var what = unavailable ? "cannot be reached" : (ex as PostgresException)?.SqlState switch
        {
            "55P03" => "waited too long for a lock (the transaction's lock timeout; another transaction holds the rows, or a deadlock across workers); retry the transaction",
            "40P01" => "was chosen as the victim of a deadlock; retry the transaction",
            "40001" => "could not be serialized with a concurrent transaction; retry the transaction",
            _ => "failed",
        };
        var subject = routes.Query is null ? where : $"query '{routes.Query}' on {where}";

        // A violated constraint by its name in the model: a shard's copy of it carries the shard id (orders_email_key_102008),
        // or the shard table's name for the names PostgreSQL gives (orders_102008_pkey).
        var suffix = shardId is { } id ? "_" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        var constraint = (ex as PostgresException)?.ConstraintName is { } name
            ? $" (constraint \"{ModelName(name, suffix, shardTable, routes.Table)}\" of table '{routes.Table}')"
            : "";
        return new ShardOperationException(
            $"{Capitalize(subject)}: {what}{constraint}: {Underlying(ex, routes.IncludeErrorDetail)}",
            ex,
            routes.Table,
            shardId,
            shardTable,
            node.Name,
            unavailable,
            routes.Query);
    }

    private static string ModelName(string name, string? suffix, string? shardTable, string table) =>
        shardTable is not null && name.StartsWith(shardTable + "_", StringComparison.Ordinal) ? table + name[shardTable.Length..]
        : suffix is not null && name.EndsWith(suffix, StringComparison.Ordinal) ? name[..^suffix.Length]
        : name;

    /// <summary>The most characters of the underlying error's message a ShardGen message repeats.</summary>
    internal const int MessageTextLength = 500;

    /// <summary>The most characters of a server error's detail a ShardGen message repeats, when it repeats it at all.</summary>
    internal const int DetailLength = 200;

    /// <summary>
    /// The underlying error as a ShardGen message repeats it. A server's detail (the duplicate key, the
    /// failing row) is row data: it is left out unless the data source includes error detail, whatever a
    /// node's own connection string told Npgsql. Each part is cut short (a message can quote a value too:
    /// invalid input syntax for type uuid: "..."); the inner exception keeps all of it.
    /// </summary>
    internal static string Underlying(Exception ex, bool includeDetail)
    {
        if (ex is not PostgresException server)
        {
            return Cap(ex.Message, MessageTextLength);
        }

        var text = $"{server.SqlState}: {Cap(server.MessageText, MessageTextLength)}";
        return includeDetail && !string.IsNullOrEmpty(server.Detail)
            ? $"{text}{Environment.NewLine}DETAIL: {Cap(server.Detail, DetailLength)}"
            : text;
    }

    private static string Cap(string text, int length) =>
        text.Length <= length
            ? text
            : FormattableString.Invariant($"{Prefix(text, length)}… ({text.Length} characters; the inner exception has all of them)");

    /// <summary>The first <paramref name="length"/> characters of <paramref name="text"/>, or one fewer rather than half a surrogate pair.</summary>
    internal static string Prefix(string text, int length) =>
        text.Length <= length ? text : text[..(char.IsHighSurrogate(text[length - 1]) ? length - 1 : length)];

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
