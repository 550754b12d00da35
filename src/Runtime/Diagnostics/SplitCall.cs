using System.Diagnostics;

namespace ShardGen;

/// <summary>
/// The span of a generated <c>[Query]</c> method whose multi-row <c>INSERT</c> is split by key into routed calls on several
/// shards (<see cref="ShardedQuery.StartSplitCall"/>): a multi-shard call's span, current while the parts and their
/// commit run, so that each part's span (naming its node) and the commit's are its children. Used by generated code; the
/// default value (nobody listens) does nothing.
/// </summary>
public readonly struct SplitCall : IDisposable
{
    private readonly Activity? _activity;

    internal SplitCall(Activity? activity) => _activity = activity;

    /// <summary>Marks the call failed: status Error, <c>error.type</c> and an <c>exception</c> event.</summary>
    public void Fail(Exception exception) => Telemetry.SetError(_activity, exception);

    /// <summary>Ends the span; its parent is current again.</summary>
    public void Dispose() => _activity?.Dispose();
}
