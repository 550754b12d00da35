using System.Runtime.CompilerServices;
using System.Text;

namespace ShardGen.Generator.Tests;

/// <summary>
/// Expected generated sources kept as plain files under Baselines/. Set SHARDGEN_UPDATE_BASELINES=1 to
/// rewrite them from the current output (then review the diff in git); otherwise a difference fails
/// with a line diff.
/// </summary>
internal static class Baselines
{
    public const string UpdateVariable = "SHARDGEN_UPDATE_BASELINES";

    private static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>Compares every generated source with its baseline file, and the set of files with the set of sources.</summary>
    public static void Verify(IReadOnlyDictionary<string, string> sources, string? folder = null)
    {
        var directory = folder is null ? Directory() : Path.Combine(Directory(), folder);
        if (Updating)
        {
            System.IO.Directory.CreateDirectory(directory);
            foreach (var stale in System.IO.Directory.GetFiles(directory, "*.cs").Where(f => !sources.ContainsKey(Path.GetFileName(f))))
            {
                File.Delete(stale);
            }

            foreach (var (name, text) in sources)
            {
                File.WriteAllText(Path.Combine(directory, name), text);
            }

            return;
        }

        var failures = new StringBuilder();
        var expectedNames = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory, "*.cs").Select(Path.GetFileName).Select(n => n!).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (var missing in expectedNames.Where(n => !sources.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            failures.Append("No longer generated: ").Append(missing).Append('\n');
        }

        foreach (var (name, actual) in sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (!expectedNames.Contains(name))
            {
                failures.Append("Generated but has no baseline: ").Append(name).Append('\n');
                continue;
            }

            var expected = File.ReadAllText(Path.Combine(directory, name)).Replace("\r\n", "\n");
            if (expected != actual)
            {
                failures.Append("Differs from its baseline: ").Append(name).Append('\n').Append(Diff(expected, actual)).Append('\n');
            }
        }

        Assert.True(failures.Length == 0, $"{failures}\nIf the change is intended, run the tests with {UpdateVariable}=1 and review the baselines' diff.");
    }

    /// <summary>The source tree's Baselines folder when it is there (so updates land in the repository), else the copy beside the tests.</summary>
    private static string Directory([CallerFilePath] string thisFile = "")
    {
        var source = Path.Combine(Path.GetDirectoryName(thisFile) ?? string.Empty, "Baselines");
        return System.IO.Directory.Exists(source) || Updating ? source : Path.Combine(AppContext.BaseDirectory, "Baselines");
    }

    /// <summary>A unified-style line diff (- expected, + actual) with three lines of context, from a longest common subsequence.</summary>
    internal static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<(char Mark, int Line, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', y + 1, a[x]));
                x++;
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                lines.Add(('+', y + 1, b[y]));
                y++;
            }
            else
            {
                lines.Add(('-', x + 1, a[x]));
                x++;
            }
        }

        var text = new StringBuilder();
        var shown = 0;
        var lastPrinted = -1;
        for (var i = 0; i < lines.Count && shown < 200; i++)
        {
            var near = false;
            for (var k = Math.Max(0, i - 3); k <= Math.Min(lines.Count - 1, i + 3) && !near; k++)
            {
                near = lines[k].Mark != ' ';
            }

            if (!near)
            {
                continue;
            }

            if (lastPrinted >= 0 && i > lastPrinted + 1)
            {
                text.Append("...\n");
            }

            text.Append(lines[i].Mark).Append(' ').Append(lines[i].Line.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4)).Append(" | ").Append(lines[i].Text).Append('\n');
            lastPrinted = i;
            shown++;
        }

        return text.ToString();
    }
}
