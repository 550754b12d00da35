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
    public SqlTemplate(params string[] parts)
    {
        if (parts.Length < 1)
        {
            throw new ArgumentException("A statement has at least one part.", nameof(parts));
        }

        Parts = parts;
    }

    /// <summary>The literal text around the table names; a name goes between each pair.</summary>
    public IReadOnlyList<string> Parts { get; }

    /// <summary>The statement with <paramref name="quotedTableName"/> in every place.</summary>
    public string Render(string quotedTableName) => string.Join(quotedTableName, Parts);

    public override string ToString() => Render("{table}");
}
