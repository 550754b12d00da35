using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ShardGen.Benchmarks;

/// <summary>
/// One measured comparison: ShardGen's figure, the baseline's (measured in the same run), and the goal the
/// ratio is held to. Without a baseline, <see cref="Baseline"/> is NaN and the goal is on the figure itself.
/// </summary>
public sealed record Figure(
    string Suite, string Name, double ShardGen, double Baseline, string Unit, bool HigherIsBetter, string Goal, double Target, string Notes = "")
{
    /// <summary>ShardGen / baseline, or the figure itself without a baseline.</summary>
    public double Ratio => double.IsNaN(Baseline) ? ShardGen : ShardGen / Baseline;

    /// <summary>What <see cref="Goal"/> says of a figure reported beside the goals, to explain them, without a goal of its own.</summary>
    public const string NoGoal = "reported (no goal)";

    public bool Met => HigherIsBetter ? Ratio >= Target : Ratio <= Target;

    /// <summary>"met", "**not met**", or "–" for a figure without a goal.</summary>
    public string Verdict => Goal == NoGoal ? "–" : Met ? "met" : "**not met**";
}

/// <summary>Prints the figures as a table and writes them to artifacts/benchmarks (markdown and JSON).</summary>
public static class Report
{
    public static string Table(IReadOnlyList<Figure> figures)
    {
        var text = new StringBuilder();
        text.AppendLine("| suite | measure | ShardGen | baseline | unit | ratio | goal | met |");
        text.AppendLine("| --- | --- | ---: | ---: | --- | ---: | --- | --- |");
        foreach (var f in figures)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {f.Suite} | {f.Name} | {Number(f.ShardGen)} | {Number(f.Baseline)} | {f.Unit} | ")
                .Append(CultureInfo.InvariantCulture, $"{Number(f.Ratio, ratio: true)} | {f.Goal} | {f.Verdict} |")
                .AppendLine(f.Notes.Length > 0 ? $" {f.Notes}" : "");
        }

        return text.ToString();
    }

    public static (string Markdown, string Json) Write(IReadOnlyList<Figure> figures, Options options, string machine)
    {
        var directory = Path.Combine(Options.RepositoryRoot(), "artifacts", "benchmarks");
        Directory.CreateDirectory(directory);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var markdown = Path.Combine(directory, $"results-{stamp}.md");
        var json = Path.Combine(directory, $"results-{stamp}.json");
        var body = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# ShardGen benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Command: `dotnet run -c Release --project tests/ShardGen.Benchmarks -- {string.Join(' ', options.ShownArguments)}`")
            .AppendLine()
            .AppendLine(machine)
            .AppendLine()
            .Append(Table(figures))
            .ToString();
        File.WriteAllText(markdown, body);
        File.WriteAllText(Path.Combine(directory, "latest.md"), body);
        var data = JsonSerializer.Serialize(
            new
            {
                Utc = DateTime.UtcNow,
                Arguments = options.ShownArguments,
                Machine = machine,
                Figures = figures.Select(f => new { f.Suite, f.Name, f.ShardGen, Baseline = double.IsNaN(f.Baseline) ? (double?)null : f.Baseline, f.Unit, f.Ratio, f.Goal, Target = double.IsInfinity(f.Target) || f.Goal == Figure.NoGoal ? (double?)null : f.Target, Met = f.Goal == Figure.NoGoal ? (bool?)null : f.Met, f.Notes }),
            },
            new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(json, data);
        File.WriteAllText(Path.Combine(directory, "latest.json"), data);
        return (markdown, json);
    }

    private static string Number(double value, bool ratio = false) =>
        double.IsNaN(value) ? "–"
        : ratio ? value.ToString("0.000", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 100 ? value.ToString("#,0", CultureInfo.InvariantCulture)
        : value.ToString("0.###", CultureInfo.InvariantCulture);
}
