using System.IO.Hashing;
using System.Text;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The proof that two copies of a shard table hold the same rows: an <see cref="XxHash128"/> over every row in
/// primary-key order, computed here while reading the rows from each copy. A row counts as the text of
/// <c>ROW(col1, col2, ...)</c> over the columns the cluster recorded for the table, named (so physical column order
/// does not matter), each row's UTF-8 bytes preceded by their length. Both sides read under the same session
/// settings that decide the text of values (time zone, date and interval style, float digits, bytea output).
/// Text keys are ordered by each server's collation: two servers with different collations give different
/// checksums, so the proof can fail on them but never pass falsely.
/// </summary>
internal static class ShardChecksum
{
    /// <summary>The session settings every checksum read runs under, <c>SET LOCAL</c> in its transaction.</summary>
    public static readonly string[] Settings =
        ["SET LOCAL TimeZone = 'UTC'", "SET LOCAL DateStyle = 'ISO, YMD'", "SET LOCAL IntervalStyle = 'postgres'", "SET LOCAL extra_float_digits = 3", "SET LOCAL bytea_output = 'hex'"];

    /// <summary>The statement that reads a copy's rows for the checksum.</summary>
    /// <param name="schema">The copy's schema (a fenced copy's), or null for the schema the connection's search path finds it in.</param>
    public static string Select(TableShape shape, string? schema, string physical) =>
        new StringBuilder("SELECT ROW(").AppendJoin(", ", shape.Columns.Select(c => Identifiers.Quote(c.Name))).Append(")::text FROM ")
            .Append(schema is null ? "" : Identifiers.Quote(schema) + ".").Append(Identifiers.Quote(physical))
            .Append(" ORDER BY ").AppendJoin(", ", shape.PrimaryKey.Select(Identifiers.Quote)).ToString();

    /// <summary>Rows and checksum of one copy, read in <paramref name="transaction"/> (which has run <see cref="Settings"/>).</summary>
    public static async Task<(long Rows, UInt128 Checksum)> ComputeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TableShape shape, string? schema, string physical, CancellationToken cancellationToken)
    {
        var hash = new XxHash128();
        var rows = 0L;
        var length = new byte[4];
        await using var command = new NpgsqlCommand(Select(shape, schema, physical), connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var bytes = Encoding.UTF8.GetBytes(reader.GetString(0));
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            hash.Append(length);
            hash.Append(bytes);
            rows++;
        }

        return (rows, hash.GetCurrentHashAsUInt128());
    }
}
