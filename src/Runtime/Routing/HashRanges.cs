namespace ShardGen;

/// <summary>
/// How the 32-bit hash space is cut into shards: exactly as Citus cuts it, so that a cluster
/// placed by ShardGen is placed as Citus would place it. Shard i of n covers
/// <c>[-2^31 + i * floor(2^32 / n), that + floor(2^32 / n) - 1]</c>; the last one ends at <c>2^31 - 1</c>.
/// </summary>
public static class HashRanges
{
    private const ulong HashTokenCount = 1UL << 32;

    /// <summary>The width of every shard's range but the last.</summary>
    public static uint Increment(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return (uint)(HashTokenCount / (ulong)shardCount);
    }

    /// <summary>The shard whose range holds <paramref name="hash"/>: <c>(hash + 2^31) / increment</c>, clamped to n - 1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int ShardIndex(int hash, int shardCount, uint increment)
    {
        var index = (int)(((uint)hash ^ 0x8000_0000u) / increment);
        return index < shardCount ? index : shardCount - 1;
    }

    public static int ShardIndex(int hash, int shardCount) => ShardIndex(hash, shardCount, Increment(shardCount));

    /// <summary>The smallest hash shard <paramref name="index"/> of <paramref name="shardCount"/> holds.</summary>
    public static int MinHash(int index, int shardCount) =>
        (int)(int.MinValue + (long)index * Increment(shardCount));

    /// <summary>The largest hash shard <paramref name="index"/> of <paramref name="shardCount"/> holds.</summary>
    public static int MaxHash(int index, int shardCount) =>
        index == shardCount - 1 ? int.MaxValue : (int)(int.MinValue + ((long)index + 1) * Increment(shardCount) - 1);
}
