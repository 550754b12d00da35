using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace ShardGen.Model;

/// <summary>The canonical text of a table and its fingerprint; what the metadata records and compares (<see cref="TableShape.Parse"/> reads it back).</summary>
internal static class CanonicalText
{
    public static string Of(TableDefinition table) => Of(TableShape.Of(table));

    public static string Of(TableShape table)
    {
        var text = new StringBuilder();
        text.Append("table ").Append(table.Name).Append('\n');
        text.Append("kind ").Append(table.Kind.ToString().ToLowerInvariant()).Append('\n');
        if (table.Kind == TableKind.Distributed)
        {
            text.Append("distribution ").Append(table.DistributionColumn).Append(' ').Append(table.DistributionType).Append('\n');
            text.Append("colocation ").Append(table.ColocationGroup).Append('\n');
        }

        foreach (var column in table.Columns)
        {
            text.Append("column ").Append(column.Name).Append(' ').Append(column.SqlType)
                .Append(column.IsNullable ? " null" : " not null").Append('\n');
        }

        text.Append("primary key ").Append(string.Join(", ", table.PrimaryKey)).Append('\n');
        return text.ToString();
    }

    public static string Fingerprint(string canonical)
    {
        var hash = XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(canonical));
        return hash.ToString("x32", CultureInfo.InvariantCulture);
    }
}
