using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The proof that two copies of a shard table hold the same rows: each row hashed with <see cref="XxHash128"/> as
/// PostgreSQL's binary <c>COPY</c> writes it — its field count, then each field's length and the bytes of its type's
/// send function — over the columns the cluster recorded for the table, named (so physical column order does not
/// matter), and the rows' hashes added up (modulo 2^128), with the row count beside. The sum does not depend on the
/// order the rows come in, so each copy is read as it lies on disk, without sorting it: a sort by primary key was four
/// times the cost of the read itself, and the proof runs inside the write block (docs/benchmarks.md). Equal sums and
/// counts mean the same multiset of rows, but for a chance of the order of 2^-128; the primary key makes each row
/// unique in both copies, so the same set. Binary values do not depend on session settings (time zone, date style,
/// float digits); a type's binary form may differ between PostgreSQL major versions: two servers that differ so give
/// different checksums, so the proof can fail on them but never pass falsely.
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
            .Append(") TO STDOUT (FORMAT binary)").ToString();

    /// <summary>Rows and checksum of one copy, read in the connection's current transaction, if any, yielding by <paramref name="niceRatio"/> (<see cref="Pacer"/>).</summary>
    public static async Task<(long Rows, UInt128 Checksum)> ComputeAsync(
        NpgsqlConnection connection, TableShape shape, string? schema, string physical, string? where, CancellationToken cancellationToken, double niceRatio = 0)
    {
        var pacer = new Pacer(niceRatio);
        var rows = new RowHasher();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            await using var raw = await connection.BeginRawBinaryCopyAsync(Copy(shape, schema, physical, where), cancellationToken).ConfigureAwait(false);

            // The header (signature, flags, the length of an extension, the extension) is the same for every copy: skipped.
            await raw.ReadExactlyAsync(buffer.AsMemory(0, 19), cancellationToken).ConfigureAwait(false);
            var extension = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(15, 4));
            while (extension > 0)
            {
                var chunk = await raw.ReadAsync(buffer.AsMemory(0, Math.Min(extension, buffer.Length)), cancellationToken).ConfigureAwait(false);
                if (chunk == 0)
                {
                    throw new EndOfStreamException("The binary COPY stream ended in its header.");
                }

                extension -= chunk;
            }

            int read;
            while ((read = await raw.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                rows.Consume(buffer.AsSpan(0, read));
                await pacer.AfterAsync(read, cancellationToken).ConfigureAwait(false);
            }

            return rows.Finish();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads a binary COPY stream's body (rows, each a field count then each field's length and bytes, then the trailer)
    /// chunk by chunk: hashes each row's bytes on its own and adds the hashes up, counting the rows. A row that lies
    /// whole in a chunk is hashed in one call; one that a chunk's end cuts, piece by piece (the same hash).
    /// </summary>
    internal sealed class RowHasher
    {
        private readonly byte[] _partial = new byte[4];
        private readonly XxHash128 _row = new();
        private bool _inRow;
        private int _have;
        private bool _readingLength;
        private int _fieldsLeft;
        private long _dataLeft;
        private bool _done;
        private long _rows;
        private UInt128 _sum;

        public void Consume(ReadOnlySpan<byte> chunk)
        {
            while (!chunk.IsEmpty)
            {
                if (_done)
                {
                    throw new InvalidDataException("The binary COPY stream has bytes after its trailer.");
                }

                if (_dataLeft == 0 && _have == 0 && !_readingLength && WholeRow(chunk) is > 0 and var length)
                {
                    EndRow();
                    _sum = unchecked(_sum + XxHash128.HashToUInt128(chunk[..length]));
                    _rows++;
                    chunk = chunk[length..];
                    continue;
                }

                if (_dataLeft > 0)
                {
                    var data = (int)Math.Min(_dataLeft, chunk.Length);
                    _row.Append(chunk[..data]);
                    _dataLeft -= data;
                    chunk = chunk[data..];
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
                    _row.Append(_partial.AsSpan(0, 4));
                    _dataLeft = Math.Max(0, BinaryPrimitives.ReadInt32BigEndian(_partial));
                    _readingLength = --_fieldsLeft > 0;
                    continue;
                }

                // A field count ends the row before it: the next row's, or the trailer's (-1).
                EndRow();
                var fields = BinaryPrimitives.ReadInt16BigEndian(_partial);
                if (fields == -1)
                {
                    _done = true;
                    continue;
                }

                _inRow = true;
                _rows++;
                _row.Append(_partial.AsSpan(0, 2));
                _fieldsLeft = fields;
                _readingLength = fields > 0;
            }
        }

        // The length of the row the chunk begins with when the whole row is in it; 0 when it is not, or is the trailer.
        private static int WholeRow(ReadOnlySpan<byte> chunk)
        {
            var fields = chunk.Length < 2 ? -1 : BinaryPrimitives.ReadInt16BigEndian(chunk);
            if (fields < 0)
            {
                return 0;
            }

            var at = 2;
            for (var field = 0; field < fields; field++)
            {
                if (chunk.Length - at < 4)
                {
                    return 0;
                }

                var length = BinaryPrimitives.ReadInt32BigEndian(chunk[at..]);
                at += 4;
                if (length > 0)
                {
                    if (chunk.Length - at < length)
                    {
                        return 0;
                    }

                    at += length;
                }
            }

            return at;
        }

        public (long Rows, UInt128 Checksum) Finish() =>
            _done && _dataLeft == 0 && _have == 0 ? (_rows, _sum) : throw new EndOfStreamException("The binary COPY stream ended before its trailer.");

        private void EndRow()
        {
            if (_inRow)
            {
                _sum = unchecked(_sum + _row.GetCurrentHashAsUInt128());
                _row.Reset();
                _inRow = false;
            }
        }
    }
}
