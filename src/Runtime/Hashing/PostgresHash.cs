using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace ShardGen;

/// <summary>
/// PostgreSQL's hash opclass functions (<c>hashint4</c>, <c>hashint8</c>, <c>hashtext</c>, <c>uuid_hash</c>),
/// ported bit for bit from Bob Jenkins' lookup3 as PostgreSQL adapts it in <c>src/common/hashfn.c</c>.
/// </summary>
/// <remarks>
/// Placement has to agree with the server (a shard table's <c>CHECK</c> constraint on its hash range is
/// evaluated by PostgreSQL) and with Citus (so a cluster can move to Citus without rehashing), so these are
/// not "a good hash" but exactly that one. Each result is the unsigned 32-bit hash reinterpreted as a signed
/// <see cref="int"/>, which is what <c>SELECT hashint8(x)</c> prints. Nothing here allocates.
/// </remarks>
[SkipLocalsInit]
public static class PostgresHash
{
    // hashfn.c seeds the state with the golden ratio, the key length and this constant.
    private const uint Seed = 0x9e3779b9 + 3923095;

    // Strings up to this many UTF-16 chars are encoded on the stack (3 UTF-8 bytes per char at most);
    // longer ones borrow a pooled array so that a huge key cannot overflow the stack.
    private const int StackEncodeMaxChars = 256;

    /// <summary><c>hashint4</c>: the hash of an <c>integer</c> key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HashInt4(int value) => (int)HashUInt32((uint)value);

    /// <summary><c>hashint8</c>: the hash of a <c>bigint</c> key.</summary>
    /// <remarks>
    /// PostgreSQL folds the high half into the low one (complemented for negative values) so that an
    /// int8 equal to an int4 hashes like it, which keeps cross-type hash joins correct.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HashInt8(long value)
    {
        uint lowHalf = (uint)value;
        uint highHalf = (uint)(value >> 32);
        lowHalf ^= value >= 0 ? highHalf : ~highHalf;
        return (int)HashUInt32(lowHalf);
    }

    /// <summary><c>uuid_hash</c>: the hash of a <c>uuid</c> key over its 16 bytes in RFC 4122 order.</summary>
    /// <remarks>
    /// PostgreSQL stores a uuid in network (big-endian) order, whereas <see cref="Guid.ToByteArray()"/>
    /// puts the first three fields little-endian; hashing those bytes would place rows on the wrong shard.
    /// </remarks>
    public static int HashUuid(Guid value)
    {
        // hash_any over exactly 16 bytes: one full 12-byte round, then the last 4 bytes into a. The words are
        // read from the Guid's own (little-endian) layout and put in RFC 4122 order: the first field byte-swapped,
        // the two 16-bit fields each byte-swapped, the last 8 bytes as they are.
        ReadOnlySpan<byte> native = MemoryMarshal.AsBytes(new ReadOnlySpan<Guid>(in value));
        uint middle = BinaryPrimitives.ReadUInt32LittleEndian(native[4..]);
        uint a = Seed + 16 + BinaryPrimitives.ReadUInt32BigEndian(native);
        uint b = Seed + 16 + (((middle & 0x00FF_00FFu) << 8) | ((middle >> 8) & 0x00FF_00FFu));
        uint c = Seed + 16 + BinaryPrimitives.ReadUInt32LittleEndian(native[8..]);
        Mix(ref a, ref b, ref c);
        a += BinaryPrimitives.ReadUInt32LittleEndian(native[12..]);
        Final(ref a, ref b, ref c);
        return (int)c;
    }

    /// <summary><c>hashtext</c> under a deterministic collation: the hash of the key's UTF-8 bytes.</summary>
    /// <remarks>
    /// Valid for databases whose encoding is UTF8 and for deterministic collations (the default, and
    /// every libc collation); a nondeterministic ICU collation hashes a sort key instead.
    /// </remarks>
    /// <exception cref="ArgumentException">The string holds an unpaired surrogate, so it has no UTF-8 form
    /// (Npgsql would refuse to send it too).</exception>
    public static int HashText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);

        if (System.Text.Ascii.IsValid(value))
        {
            return HashAscii(value);
        }

        if (value.Length <= StackEncodeMaxChars)
        {
            // Not zeroed ([SkipLocalsInit]): only the bytes the encoder writes are read.
            Span<byte> buffer = stackalloc byte[value.Length * 3];
            return HashUtf16(value, buffer);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetByteCount(value));
        try
        {
            return HashUtf16(value, rented);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary><c>hashtext</c> under a deterministic collation, for a key already encoded as UTF-8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HashText(ReadOnlySpan<byte> utf8) => HashBytes(utf8);

    /// <summary><c>hash_any</c> (<c>hash_bytes</c> in hashfn.c) over arbitrary bytes.</summary>
    public static int HashBytes(ReadOnlySpan<byte> data)
    {
        uint length = (uint)data.Length;
        uint a = Seed + length;
        uint b = a;
        uint c = a;

        // hashfn.c also has a word-aligned path and a big-endian variant; on a little-endian machine both
        // of its paths read each 4-byte group as a little-endian word, which is what this does everywhere,
        // so results match what an x86/ARM server computes whatever the alignment of the source.
        ReadOnlySpan<byte> k = data;
        while (k.Length >= 12)
        {
            a += BinaryPrimitives.ReadUInt32LittleEndian(k);
            b += BinaryPrimitives.ReadUInt32LittleEndian(k[4..]);
            c += BinaryPrimitives.ReadUInt32LittleEndian(k[8..]);
            Mix(ref a, ref b, ref c);
            k = k[12..];
        }

        Tail(ref a, ref b, ref c, k);

        // Unlike lookup3's hashlittle, PostgreSQL applies the final mix even when no bytes remain.
        Final(ref a, ref b, ref c);
        return (int)c;
    }

    /// <summary>
    /// <see cref="HashBytes"/> of an ASCII string's UTF-8 form (its chars, one byte each) without encoding it
    /// first: four chars (8 bytes of UTF-16) are read at once and packed into the little-endian word of their
    /// four bytes; the last 0..11 chars go into a, b and c as <see cref="Tail"/> puts bytes.
    /// </summary>
    private static int HashAscii(string value)
    {
        uint a = Seed + (uint)value.Length;
        uint b = a;
        uint c = a;
        ref byte p = ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(value.AsSpan()));
        var left = value.Length;
        while (left >= 12)
        {
            a += Pack(Unsafe.ReadUnaligned<ulong>(ref p));
            b += Pack(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, 8)));
            c += Pack(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, 16)));
            Mix(ref a, ref b, ref c);
            p = ref Unsafe.Add(ref p, 24);
            left -= 12;
        }

        for (var i = 0; i < left; i++)
        {
            uint ch = Unsafe.Add(ref p, 2 * i);
            if (i < 4)
            {
                a += ch << (8 * i);
            }
            else if (i < 8)
            {
                b += ch << (8 * (i - 4));
            }
            else
            {
                // c's lowest byte stays free, as in Tail.
                c += ch << ((8 * (i - 8)) + 8);
            }
        }

        Final(ref a, ref b, ref c);
        return (int)c;
    }

    /// <summary>Four ASCII chars, read as the ulong of their UTF-16 code units, as the little-endian word of their four UTF-8 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Pack(ulong q) =>
        (uint)(q & 0xFF) | (uint)((q >> 8) & 0xFF00) | (uint)((q >> 16) & 0xFF_0000) | (uint)((q >> 24) & 0xFF00_0000);

    /// <summary>The last 0..11 bytes, as hashfn.c's fall-through switch adds them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tail(ref uint a, ref uint b, ref uint c, ReadOnlySpan<byte> k)
    {
        // c's lowest byte stays free ("reserved for the length" in lookup3), so bytes 8..10 land one byte
        // higher than a's and b's.
        switch (k.Length)
        {
            case 11:
                c += (uint)k[10] << 24;
                goto case 10;
            case 10:
                c += (uint)k[9] << 16;
                goto case 9;
            case 9:
                c += (uint)k[8] << 8;
                goto case 8;
            case 8:
                b += (uint)k[7] << 24;
                goto case 7;
            case 7:
                b += (uint)k[6] << 16;
                goto case 6;
            case 6:
                b += (uint)k[5] << 8;
                goto case 5;
            case 5:
                b += k[4];
                goto case 4;
            case 4:
                a += (uint)k[3] << 24;
                goto case 3;
            case 3:
                a += (uint)k[2] << 16;
                goto case 2;
            case 2:
                a += (uint)k[1] << 8;
                goto case 1;
            case 1:
                a += k[0];
                break;
        }
    }

    /// <summary><c>hash_bytes_uint32</c> (<c>hash_uint32</c>): hash_any of the 4 bytes, without the loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HashUInt32(uint k)
    {
        uint a = Seed + sizeof(uint);
        uint b = a;
        uint c = a;
        a += k;
        Final(ref a, ref b, ref c);
        return c;
    }

    private static int HashUtf16(string value, Span<byte> buffer)
    {
        OperationStatus status = Utf8.FromUtf16(value, buffer, out _, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            throw new ArgumentException(
                "The text key contains an unpaired UTF-16 surrogate, so it has no UTF-8 form and PostgreSQL " +
                "could not store it. Pass a well-formed string; a key cut in the middle of a surrogate pair " +
                "(for example by Substring on an emoji) is the usual cause.",
                nameof(value));
        }

        return HashBytes(buffer[..written]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= BitOperations.RotateLeft(c, 4); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 6); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 8); b += a;
        a -= c; a ^= BitOperations.RotateLeft(c, 16); c += b;
        b -= a; b ^= BitOperations.RotateLeft(a, 19); a += c;
        c -= b; c ^= BitOperations.RotateLeft(b, 4); b += a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= BitOperations.RotateLeft(b, 14);
        a ^= c; a -= BitOperations.RotateLeft(c, 11);
        b ^= a; b -= BitOperations.RotateLeft(a, 25);
        c ^= b; c -= BitOperations.RotateLeft(b, 16);
        a ^= c; a -= BitOperations.RotateLeft(c, 4);
        b ^= a; b -= BitOperations.RotateLeft(a, 14);
        c ^= b; c -= BitOperations.RotateLeft(b, 24);
    }
}
