using System.Diagnostics;

namespace ShardGen;

/// <summary>
/// A stream read that yields to the clients, as gh-ost's <c>--nice-ratio</c>: after each 8 MB it pauses for
/// <paramref name="ratio"/> times as long as those took (<see cref="ShardMoveOptions.CopyNiceRatio"/>); 0 never pauses.
/// </summary>
internal sealed class Pacer(double ratio)
{
    // Between two pauses: large enough that the socket buffers between the servers and this process (a few megabytes on
    // loopback) do not hide the work done while it pauses.
    private const int Chunk = 8 << 20;

    private long _inChunk;
    private long _chunkStarted = Stopwatch.GetTimestamp();

    /// <summary>Counts <paramref name="bytes"/> more, and pauses when they complete a chunk.</summary>
    public async ValueTask AfterAsync(int bytes, CancellationToken cancellationToken)
    {
        if (ratio <= 0)
        {
            return;
        }

        _inChunk += bytes;
        if (_inChunk >= Chunk)
        {
            await Task.Delay(Stopwatch.GetElapsedTime(_chunkStarted) * ratio, cancellationToken).ConfigureAwait(false);
            _inChunk = 0;
            _chunkStarted = Stopwatch.GetTimestamp();
        }
    }
}
