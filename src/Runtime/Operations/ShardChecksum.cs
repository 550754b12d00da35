using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The proof that two copies of a shard table hold the same rows: an <see cref="XxHash128"/> over every row in
/// primary-key order, as PostgreSQL's binary <c>COPY</c> writes it — each row's field count, then each field's length
/// and the bytes of its type's send function — over the columns the cluster recorded for the table, named (so physical
/// column order does not matter). Binary values do not depend on session settings (time zone, date style, float
/// digits). Text keys are ordered by each server's collation, and a type's binary form may differ between PostgreSQL
/// major versions: two servers that differ so give different checksums, so the proof can fail on them but never pass
/// falsely.
/// </summary>
internal static class ShardChecksum
{
    /// <summary>The statement that streams a copy's rows for the checksum.</summary>
    /// <param name="schema">The copy's schema (a fenced copy's), or null for the schema the connection's search path finds it in.</param>
    /// <param name="where">A condition the rows meet (a split's piece of the hash range), or null for every row.</param>
    public static string Copy(TableShape shape, string? schema, string physical, string? where = null) =>
        new StringBuilder("COPY (SELECT ").AppendJoin(", ", shape.Columns.Select(c => Identifiers.Quote(c.Name))).Append(" FROM ")
            .Append(schema is null ? "" : Identifiers.Quote(schema) + ".").Append(Identifiers.Quote(physical))
            .Append(where is null ? "" : " WHERE " + where)
            .Append(" ORDER BY ").AppendJoin(", ", shape.PrimaryKey.Select(Identifiers.Quote)).Append(") TO STDOUT (FORMAT binary)").ToString();

    /// <summary>Rows and checksum of one copy, read in the connection's current transaction, if any.</summary>
    public static async Task<(long Rows, UInt128 Checksum)> ComputeAsync(
        NpgsqlConnection connection, TableShape shape, string? schema, string physical, string? where, CancellationToken cancellationToken)
    {
        var hash = new XxHash128();
        var counter = new RowCounter();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            await using var raw = await connection.BeginRawBinaryCopyAsync(Copy(shape, schema, physical, where), cancellationToken).ConfigureAwait(false);

            // The header (signature, flags, the length of an extension, the extension) is the same for every copy; the
            // rows follow, then the trailer. Every byte goes into the hash; the rows are counted on the way.
            await raw.ReadExactlyAsync(buffer.AsMemory(0, 19), cancellationToken).ConfigureAwait(false);
            hash.Append(buffer.AsSpan(0, 19));
            var extension = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(15, 4));
            while (extension > 0)
            {
                var chunk = await raw.ReadAsync(buffer.AsMemory(0, Math.Min(extension, buffer.Length)), cancellationToken).ConfigureAwait(false);
                if (chunk == 0)
                {
                    throw new EndOfStreamException("The binary COPY stream ended in its header.");
                }

                hash.Append(buffer.AsSpan(0, chunk));
                extension -= chunk;
            }

            int read;
            while ((read = await raw.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.Append(buffer.AsSpan(0, read));
                counter.Consume(buffer.AsSpan(0, read));
            }

            return (counter.Finish(), hash.GetCurrentHashAsUInt128());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Counts the rows of a binary COPY stream's body (each a field count, then each field's length and bytes), chunk by chunk.</summary>
    private sealed class RowCounter
    {
        private readonly byte[] _partial = new byte[4];
        private int _have;
        private bool _readingLength;
        private int _fieldsLeft;
        private long _dataLeft;
        private bool _done;
        private long _rows;

        public void Consume(ReadOnlySpan<byte> chunk)
        {
            while (!chunk.IsEmpty)
            {
                if (_done)
                {
                    throw new InvalidDataException("The binary COPY stream has bytes after its trailer.");
                }

                if (_dataLeft > 0)
                {
                    var skip = (int)Math.Min(_dataLeft, chunk.Length);
                    _dataLeft -= skip;
                    chunk = chunk[skip..];
                    continue;
                }

                // A field count (2 bytes) or a field length (4 bytes), possibly split across chunks.
                var size = _readingLength ? 4 : 2;
                var take = Math.Min(size - _have, chunk.Length);
                chunk[..take].CopyTo(_partial.AsSpan(_have));
                _have += take;
                chunk = chunk[take..];
                if (_have < size)
                {
                    return;
                }

                _have = 0;
                if (_readingLength)
                {
                    _dataLeft = Math.Max(0, BinaryPrimitives.ReadInt32BigEndian(_partial));
                    _readingLength = --_fieldsLeft > 0;
                }
                else if (BinaryPrimitives.ReadInt16BigEndian(_partial) is var fields && fields == -1)
                {
                    _done = true;
                }
                else
                {
                    _rows++;
                    _fieldsLeft = fields;
                    _readingLength = fields > 0;
                }
            }
        }

        public long Finish() => _done && _dataLeft == 0 && _have == 0 ? _rows : throw new EndOfStreamException("The binary COPY stream ended before its trailer.");
    }
}
