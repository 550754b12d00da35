namespace ShardGen;

/// <summary>
/// The names under which ShardGen reports what it does, for OpenTelemetry or any listener of
/// <see cref="System.Diagnostics"/> (<c>docs/observability.md</c>): spans from the <see cref="System.Diagnostics.ActivitySource"/>
/// named <see cref="ActivitySourceName"/>, measurements from the <see cref="System.Diagnostics.Metrics.Meter"/> named
/// <see cref="MeterName"/>, and log events under the category <see cref="LoggerCategory"/>.
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddOpenTelemetry()
///     .WithTracing(t => t.AddSource(ShardGenDiagnostics.ActivitySourceName, "Npgsql"))
///     .WithMetrics(m => m.AddMeter(ShardGenDiagnostics.MeterName, "Npgsql"));
/// </code>
/// </example>
public static class ShardGenDiagnostics
{
    /// <summary>The name of ShardGen's activity source: <c>ShardGen</c>.</summary>
    public const string ActivitySourceName = "ShardGen";

    /// <summary>The name of ShardGen's meter: <c>ShardGen</c>.</summary>
    public const string MeterName = "ShardGen";

    /// <summary>The category of ShardGen's own log events: <c>ShardGen</c> (Npgsql logs under its own, <c>Npgsql.*</c>).</summary>
    public const string LoggerCategory = "ShardGen";
}
