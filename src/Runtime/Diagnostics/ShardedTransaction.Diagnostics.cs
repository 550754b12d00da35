using System.Diagnostics;

namespace ShardGen;

// A commit's span (shardgen.commit) with a child span per step of two-phase commit (and of its rollback), each marked
// failed when its step fails, the outcome measured, and the outcome of a two-phase commit logged.
public sealed partial class ShardedTransaction
{
    private static Activity? StartCommitSpan() =>
        Telemetry.Source.HasListeners() ? Telemetry.Source.StartActivity("shardgen.commit", ActivityKind.Internal) : null;

    /// <summary>A step of two-phase commit on one node, under the commit's span (the current activity); null when nobody listens.</summary>
    private static Activity? StartStepSpan(string step, Node node) => Telemetry.StartStep($"shardgen.2pc {step}", step, node);

    /// <summary>
    /// Runs a step of two-phase commit on one node in its span (when <paramref name="traced"/>), which ends with status
    /// Error, <c>error.type</c> and an <c>exception</c> event if the step fails.
    /// </summary>
    private static async Task InStepAsync(string step, Node node, Func<Task> action, bool traced = true)
    {
        using var span = traced ? StartStepSpan(step, node) : null;
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Telemetry.SetError(span, ex);
            throw;
        }
    }

    private void EndCommit(Activity? span, Exception? error)
    {
        var outcome = error switch
        {
            null => "committed",
            ShardTransactionException { OutcomeUnknown: true } => "unknown",
            _ when _status == ShardedTransactionStatus.Committed => "committed",
            _ => "rolled_back",
        };

        if (span is not null)
        {
            if (span.IsAllDataRequested)
            {
                span.SetTag(Telemetry.Outcome, outcome);
                span.SetTag(Telemetry.TwoPhase, UsedTwoPhaseCommit);
                span.SetTag(Telemetry.Participants, Participants.Count);
            }

            if (error is not null)
            {
                Telemetry.SetError(span, error);
            }

            span.Dispose();
        }

        if (Telemetry.Transactions.Enabled)
        {
            Telemetry.Transactions.Add(1, new(Telemetry.Outcome, outcome), new(Telemetry.TwoPhase, UsedTwoPhaseCommit));
        }

        if (!UsedTwoPhaseCommit)
        {
            return;
        }

        var logger = _source.Logger;
        switch (outcome)
        {
            case "committed" when logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug):
                ShardGenLog.TwoPhaseCommitted(logger, string.Join(", ", Participants));
                break;
            case "unknown":
                ShardGenLog.TwoPhaseOutcomeUnknown(logger, string.Join(", ", Participants), error!);
                break;
            case "rolled_back":
                ShardGenLog.TwoPhaseRolledBack(logger, string.Join(", ", Participants), error!.Message);
                break;
        }
    }
}
