using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// Fills the reference copies of workers an apply registered (state <c>filling</c>: written by every
/// reference write, read by none) from the coordinator's copy, and marks them <c>ready</c>, all while the
/// coordinator's copies are locked against writers. See "Reference copies of a new worker" in docs/schema.md.
/// </summary>
internal static class ReferenceCopies
{
    /// <summary>
    /// Fills every filling worker of <paramref name="map"/> in <paramref name="transaction"/> on the
    /// coordinator, which holds apply's lock. The copies become readable when that transaction commits.
    /// </summary>
    public static async Task FillAsync(
        ShardedDataSource source, NpgsqlConnection coordinator, NpgsqlTransaction transaction, ShardMap map, CancellationToken cancellationToken)
    {
        var filling = map.Workers.Where(w => !map.ReadableCopies.Contains(w)).ToArray();
        var tables = new List<(string Name, string Columns)>();
        await using (var command = new NpgsqlCommand("SELECT table_name, canonical FROM shardgen.tables WHERE kind = 'reference' ORDER BY table_name", coordinator, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // Copied by column name: a copy made after the model changed may hold its columns in another order.
                var name = reader.GetString(0);
                var shape = TableShape.Parse(reader.GetString(1), source.Schema.TryGetTable(name, out var table) ? table.Columns.Select(c => c.Name) : []);
                tables.Add((Identifiers.Quote(name), shape is null ? "" : " (" + string.Join(", ", shape.Columns.Select(c => Identifiers.Quote(c.Name))) + ")"));
            }
        }

        if (tables.Count > 0)
        {
            // SHARE conflicts with the ROW EXCLUSIVE lock every reference write takes on the coordinator's copy
            // first, and holds until it commits there: the writes committed before this point are in what is
            // copied, and the writes after it find the filled worker in the metadata (the executor checks).
            await using var command = new NpgsqlCommand($"LOCK TABLE {string.Join(", ", tables.Select(t => t.Name))} IN SHARE MODE", coordinator, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var worker in filling)
        {
            await FillWorkerAsync(source, coordinator, worker, tables, cancellationToken).ConfigureAwait(false);
        }

        await using var ready = new NpgsqlBatch(coordinator, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("UPDATE shardgen.nodes SET reference_copies = 'ready' WHERE name = ANY($1)")
                {
                    Parameters = { new NpgsqlParameter<string[]> { TypedValue = filling.Select(w => w.Name).ToArray() } },
                },
                new NpgsqlBatchCommand("UPDATE shardgen.metadata SET version = version + 1"),
            },
        };
        await ready.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // One transaction on the worker: whatever its copies held (writes that reached it while it was filling,
    // a fill that stopped half-way) is replaced by the coordinator's rows. TRUNCATE waits for parts of
    // reference writes still prepared there, which their committer or recovery settles.
    private static async Task FillWorkerAsync(ShardedDataSource source, NpgsqlConnection coordinator, Node worker, List<(string Name, string Columns)> tables, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenAsync(worker, cancellationToken).ConfigureAwait(false);
        var table = "";
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (tables.Count > 0)
            {
                await using var truncate = new NpgsqlCommand($"TRUNCATE {string.Join(", ", tables.Select(t => t.Name))}", connection, transaction);
                await truncate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var (name, columns) in tables)
            {
                table = name;
                await using var import = await connection.BeginRawBinaryCopyAsync($"COPY {name}{columns} FROM STDIN (FORMAT binary)", cancellationToken).ConfigureAwait(false);
                await using var export = await coordinator.BeginRawBinaryCopyAsync($"COPY {name}{columns} TO STDOUT (FORMAT binary)", cancellationToken).ConfigureAwait(false);
                await export.CopyToAsync(import, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new ShardGenException(
                $"Filling the reference copies on worker '{worker.Name}' ({worker.Host}:{worker.Port}) failed{(table.Length > 0 ? $" at table {table}" : "")}: {ex.Message} "
                + "The worker stays out of reference reads; run ApplySchemaAsync again to fill it.",
                ex);
        }
    }
}
