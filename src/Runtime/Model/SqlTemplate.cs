namespace ShardGen.Model;

/// <summary>
/// The text of one statement, fixed at build time, with the places where a table's name goes.
/// The name placed between consecutive <see cref="Parts"/> is the shard table name
/// (<c>"orders_102008"</c>) for a distributed table and the table name for the others.
/// The run time joins the parts once per shard when it loads the shard map, so a call only
/// picks a finished string.
/// </summary>
public sealed class SqlTemplate
{
    /// <summary>A statement over one table: the owning table's name goes in every place.</summary>
    public SqlTemplate(params string[] parts)
    {
        if (parts.Length < 1)
        {
            throw new ArgumentException("A statement has at least one part.", nameof(parts));
        }

        Parts = parts;
    }

    /// <summary>
    /// A statement over several tables: <paramref name="tables"/>[i] is the (logical) table whose name
    /// goes between <paramref name="parts"/>[i] and <paramref name="parts"/>[i + 1].
    /// </summary>
    public SqlTemplate(IReadOnlyList<string> parts, IReadOnlyList<string> tables)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(tables);
        if (parts.Count < 1)
        {
            throw new ArgumentException("A statement has at least one part.", nameof(parts));
        }

        if (tables.Count != parts.Count - 1)
        {
            throw new ArgumentException(
                $"A statement of {parts.Count} parts has {parts.Count - 1} places for a table name; {tables.Count} tables were given.",
                nameof(tables));
        }

        for (var i = 0; i < tables.Count; i++)
        {
            if (string.IsNullOrEmpty(tables[i]))
            {
                throw new ArgumentException($"The table of place {i} is empty.", nameof(tables));
            }
        }

        Parts = parts;
        Tables = tables;
    }

    /// <summary>The literal text around the table names; a name goes between each pair.</summary>
    public IReadOnlyList<string> Parts { get; }

    /// <summary>
    /// The table of each place, in order (<c>Parts.Count - 1</c> entries); null when the statement
    /// belongs to one table, which then goes in every place.
    /// </summary>
    public IReadOnlyList<string>? Tables { get; }

    /// <summary>The statement with <paramref name="quotedTableName"/> in every place.</summary>
    public string Render(string quotedTableName) => string.Join(quotedTableName, Parts);

    /// <summary>The statement with <paramref name="quotedTableNames"/>[i] in place i.</summary>
    public string Render(IReadOnlyList<string> quotedTableNames)
    {
        ArgumentNullException.ThrowIfNull(quotedTableNames);
        if (quotedTableNames.Count != Parts.Count - 1)
        {
            throw new ArgumentException(
                $"The statement has {Parts.Count - 1} places for a table name; {quotedTableNames.Count} names were given.",
                nameof(quotedTableNames));
        }

        var text = new System.Text.StringBuilder(Parts[0]);
        for (var i = 0; i < quotedTableNames.Count; i++)
        {
            text.Append(quotedTableNames[i]).Append(Parts[i + 1]);
        }

        return text.ToString();
    }

    public override string ToString() =>
        Tables is null ? Render("{table}") : Render(Tables.Select(t => "{" + t + "}").ToArray());
}
