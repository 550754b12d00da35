using System.Text;
using ShardGen.Tests.Infrastructure;
using Xunit;

namespace ShardGen.Tests.Hashing;

/// <summary>
/// The C# port must agree with the server bit for bit: a shard's CHECK constraint on its hash range is
/// evaluated by PostgreSQL, and a single disagreeing key would be refused (or, without the constraint,
/// misplaced). Each test sends every key to the coordinator in one round trip and compares.
/// </summary>
[Collection("cluster")]
public sealed class PostgresHashTests
{
    private const int RandomKeys = 10_000;
    private const int Seed = 20240611;

    private readonly ClusterFixture _fixture;

    public PostgresHashTests(ClusterFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task HashInt4_matches_hashint4()
    {
        var random = new Random(Seed);
        int[] keys =
        [
            0, 1, -1, 2, -2, 42, int.MinValue, int.MaxValue, int.MinValue + 1, int.MaxValue - 1, 255, 256, 65535, 65536,
            .. Enumerable.Range(0, RandomKeys).Select(_ => (int)random.NextInt64(int.MinValue, int.MaxValue + 1L)),
        ];

        List<int> server = await ServerHashesAsync("hashint4", "int", keys);

        AssertSame(keys, server, PostgresHash.HashInt4, "hashint4");
    }

    [Fact]
    public async Task HashInt8_matches_hashint8()
    {
        var random = new Random(Seed);
        long[] keys =
        [
            0, 1, -1, 2, -2, 42, int.MinValue, int.MaxValue, long.MinValue, long.MaxValue, long.MinValue + 1, long.MaxValue - 1,
            (long)int.MaxValue + 1, (long)int.MinValue - 1, uint.MaxValue, 1L << 32, -(1L << 32), 1L << 62,
            .. Enumerable.Range(0, RandomKeys / 2).Select(_ => RandomInt64(random)),

            // Small magnitudes too: hashint8 folds the high half in, and for them it is all zeros or all ones.
            .. Enumerable.Range(0, RandomKeys / 2).Select(_ => random.NextInt64(-1_000_000, 1_000_000)),
        ];

        List<int> server = await ServerHashesAsync("hashint8", "bigint", keys);

        AssertSame(keys, server, PostgresHash.HashInt8, "hashint8");
    }

    [Fact]
    public async Task HashText_matches_hashtext()
    {
        var random = new Random(Seed);
        string[] keys =
        [
            string.Empty, "a", "ab", "abc", "abcd", "abcdefghijk", "abcdefghijkl", "abcdefghijklm",
            "é", "日本語", "🙂", "naïve café", "Ελληνικά", "👩‍👩‍👧‍👦 family", "\u00ff\u0100\u07ff\u0800\uffff",
            new string('x', 1000), new string('é', 1000), string.Concat(Enumerable.Repeat("🙂", 300)),

            // Every length from 0 to 40 bytes, so every branch of the 0..11-byte tail is taken after 0..3 blocks.
            .. Enumerable.Range(0, 41).Select(length => new string('q', length)),
            .. Enumerable.Range(0, RandomKeys).Select(_ => RandomText(random)),
        ];

        List<int> server = await ServerHashesAsync("hashtext", "text", keys);

        AssertSame(keys, server, PostgresHash.HashText, "hashtext");
    }

    [Fact]
    public async Task HashUuid_matches_uuid_hash()
    {
        var random = new Random(Seed);
        Guid[] keys =
        [
            Guid.Empty,
            Guid.AllBitsSet,
            Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"),
            Guid.Parse("ffffffff-0000-0000-0000-000000000000"),
            Guid.Parse("00000000-0000-0000-0000-0000000000ff"),
            .. Enumerable.Range(0, RandomKeys).Select(_ => RandomGuid(random)),
        ];

        List<int> server = await ServerHashesAsync("uuid_hash", "uuid", keys);

        AssertSame(keys, server, PostgresHash.HashUuid, "uuid_hash");
    }

    [Fact]
    public void HashText_of_a_string_equals_HashText_and_HashBytes_of_its_utf8()
    {
        foreach (string key in new[] { string.Empty, "abc", "日本語", "🙂🙂🙂", new string('z', 1000) })
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(key);
            Assert.Equal(PostgresHash.HashText(key), PostgresHash.HashText(utf8));
            Assert.Equal(PostgresHash.HashText(key), PostgresHash.HashBytes(utf8));
        }
    }

    [Fact]
    public void HashInt8_equals_HashInt4_for_values_in_int_range()
    {
        // PostgreSQL designs hashint8 so; cross-type hash joins (int4 = int8) rely on it.
        foreach (int value in new[] { 0, 1, -1, 12345, -12345, int.MinValue, int.MaxValue })
        {
            Assert.Equal(PostgresHash.HashInt4(value), PostgresHash.HashInt8(value));
        }
    }

    [Fact]
    public void HashText_refuses_a_string_with_an_unpaired_surrogate()
    {
        var error = Assert.Throws<ArgumentException>(() => PostgresHash.HashText("key\ud83d"));
        Assert.Contains("unpaired UTF-16 surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hashing_allocates_nothing()
    {
        string shortText = "tenant-42";
        string nonAscii = "日本語 🙂 café";
        string hundred = new('h', 100);
        string large = new('L', 1000);
        string largeNonAscii = new('é', 1000);
        var uuid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

        int sink = 0;

        // Warm-up runs first: JIT and tiering, and the pooled buffer behind keys longer than the stack buffer.
        long allocated = Allocations.Fewest(() =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                sink ^= HashAll(i, shortText, nonAscii, hundred, large, uuid, "some bytes to hash"u8) ^ PostgresHash.HashText(largeNonAscii);
            }
        });

        Assert.True(allocated == 0, $"Hashing 100,000 rounds of keys allocated {allocated} bytes (sink {sink}).");
    }

    private static int HashAll(int i, string shortText, string nonAscii, string hundred, string large, Guid uuid, ReadOnlySpan<byte> bytes) =>
        PostgresHash.HashInt4(i)
        ^ PostgresHash.HashInt8(i * 7919L)
        ^ PostgresHash.HashText(shortText)
        ^ PostgresHash.HashText(nonAscii)
        ^ PostgresHash.HashText(hundred)
        ^ PostgresHash.HashText(large)
        ^ PostgresHash.HashUuid(uuid)
        ^ PostgresHash.HashBytes(bytes)
        ^ PostgresHash.HashText(bytes);

    private Task<List<int>> ServerHashesAsync<T>(string function, string sqlType, T[] keys) =>
        Sql.ColumnAsync<int>(
            _fixture.Cluster.CoordinatorConnectionString,
            $"SELECT {function}(k) FROM unnest($1::{sqlType}[]) WITH ORDINALITY AS t(k, n) ORDER BY n",
            keys);

    private static void AssertSame<T>(T[] keys, List<int> server, Func<T, int> hash, string function)
    {
        Assert.Equal(keys.Length, server.Count);
        int mismatches = 0;
        int first = -1;
        for (int i = 0; i < keys.Length; i++)
        {
            if (hash(keys[i]) != server[i])
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }

        if (mismatches > 0)
        {
            T key = keys[first];
            Assert.Fail(
                $"{mismatches} of {keys.Length} keys hash differently. First: {function}({Describe(key)}) is {server[first]} " +
                $"on the server but {hash(key)} in C#.");
        }
    }

    private static string Describe<T>(T key) => key switch
    {
        string text => $"'{(text.Length > 60 ? text[..60] + "..." : text)}' ({text.Length} chars, {Encoding.UTF8.GetByteCount(text)} UTF-8 bytes)",
        _ => key?.ToString() ?? "null",
    };

    private static long RandomInt64(Random random)
    {
        Span<byte> bytes = stackalloc byte[8];
        random.NextBytes(bytes);
        return BitConverter.ToInt64(bytes);
    }

    private static Guid RandomGuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    /// <summary>A well-formed string of 0..80 chars mixing 1-, 2-, 3- and 4-byte UTF-8 characters (never NUL,
    /// which text cannot hold).</summary>
    private static string RandomText(Random random)
    {
        int length = random.Next(0, 81);
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            int rune = random.Next(4) switch
            {
                0 => random.Next(0x01, 0x80),
                1 => random.Next(0x80, 0x800),
                2 => RandomBmpAboveSurrogates(random),
                _ => random.Next(0x10000, 0x110000),
            };
            text.Append(new Rune(rune).ToString());
        }

        return text.ToString();
    }

    private static int RandomBmpAboveSurrogates(Random random)
    {
        int value = random.Next(0x800, 0x10000 - 0x800);
        return value >= 0xD800 ? value + 0x800 : value;
    }
}
