using Npgsql;

namespace ShardGen;

/// <summary>
/// <c>shardgen.moves</c> on the coordinator: one row per shard group move, with the shards it moves and how far it
/// got, so that a move whose process died is resumed or cleaned up by the next one (see docs/operations.md).
/// <c>copying</c>: the target is being filled and the source is the placement; <c>switched</c>: the metadata names
/// the target and the source's copy is fenced; <c>cleaned</c>: the fenced copy is dropped; <c>abandoned</c>: what the
/// move had made on the target was dropped, the source kept the shards. A split is a move whose target holds the
/// source's range in pieces (<c>split_starts</c>, the smallest hash of each), as new shards (<c>new_shard_ids</c>, piece by
/// piece, each piece's in the order of <c>shard_tables</c>).
/// </summary>
internal static class MoveCatalog
{
    /// <summary>One move at a time in a cluster: a mover holds this session advisory lock on the coordinator.</summary>
    public const long MoveLockKey = 0x5348_4152_444D_4F56; // "SHARDMOV"

    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS shardgen.moves (
            move_id bigserial PRIMARY KEY,
            group_id integer NOT NULL REFERENCES shardgen.colocation_groups,
            shard_index integer NOT NULL,
            source_node integer NOT NULL REFERENCES shardgen.nodes,
            target_node integer NOT NULL REFERENCES shardgen.nodes,
            shard_ids bigint[] NOT NULL,
            shard_tables text[] NOT NULL,
            state text NOT NULL CHECK (state IN ('copying', 'switched', 'cleaned', 'abandoned')),
            started_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now());
        ALTER TABLE shardgen.moves ADD COLUMN IF NOT EXISTS split_starts integer[], ADD COLUMN IF NOT EXISTS new_shard_ids bigint[];
        """;

    /// <summary>The name of a move's publication, subscription (and its replication slot) and fence schema.</summary>
    public static string Name(long moveId) => "shardgen_move_" + moveId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates <c>shardgen.moves</c> if needed, under apply's lock (so that two processes do not create it at once).</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await MetadataStore.LockApplyAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates <c>shardgen.moves</c> if needed in <paramref name="transaction"/>, which holds apply's lock.</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Ddl, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many moves from or to node <paramref name="nodeId"/> are unfinished or keep a fenced copy there.</summary>
    public static async Task<long> PendingOnAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int nodeId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM shardgen.moves WHERE $1 IN (source_node, target_node) AND state IN ('copying', 'switched')", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = nodeId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Whether a move or split of group <paramref name="groupId"/> is unfinished (false where no move was ever recorded).</summary>
    public static async Task<bool> UnderWayInGroupAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int groupId, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('shardgen.moves') IS NOT NULL", connection, transaction))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return false;
            }
        }

        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT FROM shardgen.moves WHERE group_id = $1 AND state = 'copying')", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = groupId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The moves in <paramref name="states"/>, oldest first.</summary>
    public static async Task<List<MoveRow>> ReadAsync(NpgsqlConnection connection, string[] states, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT move_id, group_id, shard_index, source_node, target_node, shard_ids, shard_tables, state, split_starts, new_shard_ids FROM shardgen.moves WHERE state = ANY($1) ORDER BY move_id",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = states });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var moves = new List<MoveRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            moves.Add(new MoveRow(
                reader.GetInt64(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4),
                reader.GetFieldValue<long[]>(5), reader.GetFieldValue<string[]>(6), reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<int[]>(8), reader.IsDBNull(9) ? null : reader.GetFieldValue<long[]>(9)));
        }

        return moves;
    }

    /// <summary>
    /// Records a move (or, with <paramref name="splitStarts"/> and <paramref name="newShardIds"/>, a split) in <c>copying</c>,
    /// under apply's lock, provided the group still has exactly the tables of <paramref name="shardTables"/>: an apply
    /// adds no table to a group with a move under way (<see cref="UnderWayInGroupAsync"/>), and a move does not start
    /// without a table an apply has just added. Null when the group's tables changed.
    /// </summary>
    public static async Task<long?> InsertAsync(
        NpgsqlConnection connection, int groupId, int shardIndex, int sourceNode, int targetNode, long[] shardIds, string[] shardTables, int[]? splitStarts, long[]? newShardIds,
        CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await MetadataStore.LockApplyAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO shardgen.moves (group_id, shard_index, source_node, target_node, shard_ids, shard_tables, split_starts, new_shard_ids, state)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, 'copying' WHERE (SELECT count(*) FROM shardgen.tables WHERE group_id = $1) = cardinality($6)
            RETURNING move_id
            """,
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = groupId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = shardIndex });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = sourceNode });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = targetNode });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = shardIds });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = shardTables });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)splitStarts ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)newShardIds ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint });
        var id = (long?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    public static async Task SetStateAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long moveId, string state, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("UPDATE shardgen.moves SET state = $2, updated_at = now() WHERE move_id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = moveId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <param name="SplitStarts">For a split, the smallest hash of each piece, ascending (the first is the source shard's); null for a move.</param>
/// <param name="NewShardIds">For a split, the pieces' shard ids: piece by piece, each in the order of <paramref name="ShardTables"/>.</param>
internal sealed record MoveRow(
    long Id, int GroupId, int ShardIndex, int SourceNode, int TargetNode, long[] ShardIds, string[] ShardTables, string State, int[]? SplitStarts = null, long[]? NewShardIds = null)
{
    public string Name => MoveCatalog.Name(Id);

    /// <summary>The physical tables the target ends with: the moved shard tables, or the pieces of a split, piece by piece.</summary>
    public string[] TargetTables =>
        NewShardIds is null ? ShardTables : [.. NewShardIds.Select((id, i) => PieceTable(i % ShardTables.Length, id))];

    // The shard table of one table (at position t) under another shard id: "orders_102008" becomes "orders_102040".
    private string PieceTable(int t, long shardId)
    {
        var table = ShardTables[t][..^(ShardIds[t].ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 1)];
        return Identifiers.ShardTable(table, shardId);
    }
}
