using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ShardGen.Model;

/// <summary>
/// The canonical text of a table and its fingerprint; what the metadata records and compares (<see cref="TableShape.Parse"/>
/// reads it back). Columns and keys are plain lines; defaults, constraints and indexes follow the primary key, one JSON
/// object per line, by name, so that a table without them keeps the text (and fingerprint) it had before they existed.
/// </summary>
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
        foreach (var column in table.Columns.Where(c => c.DefaultSql is not null))
        {
            Line(text, "default", w =>
            {
                w.WriteString("column", column.Name);
                w.WriteString("sql", column.DefaultSql);
            });
        }

        foreach (var unique in table.UniqueConstraints.OrderBy(u => u.Name, StringComparer.Ordinal))
        {
            Line(text, "unique", w =>
            {
                w.WriteString("name", unique.Name);
                Strings(w, "columns", unique.Columns);
            });
        }

        foreach (var check in table.CheckConstraints.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            Line(text, "check", w =>
            {
                w.WriteString("name", check.Name);
                w.WriteString("sql", check.Sql);
            });
        }

        foreach (var key in table.ForeignKeys.OrderBy(k => k.Name, StringComparer.Ordinal))
        {
            Line(text, "foreign key", w =>
            {
                w.WriteString("name", key.Name);
                Strings(w, "columns", key.Columns);
                w.WriteString("references", key.ReferencedTable);
                Strings(w, "referencedColumns", key.ReferencedColumns);
                w.WriteString("onDelete", key.OnDelete.ToString());
            });
        }

        foreach (var index in table.Indexes.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            Line(text, "index", w =>
            {
                w.WriteString("name", index.Name);
                w.WriteBoolean("unique", index.IsUnique);
                w.WriteString("method", index.Method.ToString());
                Strings(w, "columns", index.Columns);
                w.WriteString("expression", index.Expression);
                Strings(w, "include", index.Include);
                w.WriteString("where", index.Where);
            });
        }

        return text.ToString();
    }

    public static string Fingerprint(string canonical)
    {
        var hash = XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(canonical));
        return hash.ToString("x32", CultureInfo.InvariantCulture);
    }

    private static void Line(StringBuilder text, string keyword, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        text.Append(keyword).Append(' ').Append(Encoding.UTF8.GetString(buffer.ToArray())).Append('\n');
    }

    private static void Strings(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
