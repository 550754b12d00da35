using System.Text.RegularExpressions;

namespace ShardGen.Model;

/// <summary>Column types as the model and <c>format_type</c> write them: <c>numeric(12,2)</c>, <c>timestamp(3) with time zone</c>.</summary>
internal static partial class SqlTypeName
{
    /// <summary>The type without its modifier: <c>numeric(12,2)</c> is <c>numeric</c>, <c>timestamp(3) with time zone</c> is <c>timestamp with time zone</c>.</summary>
    public static string WithoutModifier(string type) => Modifier().Replace(type, string.Empty);

    /// <summary>
    /// Whether two types differ only in their modifiers (<c>numeric(12,2)</c> and <c>numeric(14,2)</c> or <c>numeric</c>):
    /// values keep their type, so a process reads and writes them as before (a value the new modifier does not hold fails
    /// or is rounded by the server), but changing the column still rewrites every copy of the table.
    /// </summary>
    public static bool DiffersOnlyInModifier(string a, string b) =>
        !string.Equals(a, b, StringComparison.OrdinalIgnoreCase)
        && string.Equals(WithoutModifier(a), WithoutModifier(b), StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"\([0-9, ]*\)")]
    private static partial Regex Modifier();
}
