using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

/// <summary>The statements of a generated repository.</summary>
internal enum StatementKind
{
    Get,
    Insert,
    Upsert,
    Update,
    Delete,
    List,
    Count,
    CountAll,
    ListAll,
}

/// <summary>
/// One statement as the parts around the table name (a <c>ShardGen.Model.SqlTemplate</c>): the run
/// time puts the quoted shard table name (<c>"orders_102008"</c>) or table name between consecutive parts.
/// </summary>
internal sealed class Statement
{
    public Statement(StatementKind kind, params string[] parts)
    {
        Kind = kind;
        Parts = parts;
    }

    public StatementKind Kind { get; }

    /// <summary>The repository's constant that indexes this statement (<c>GetStatement</c>).</summary>
    public string Constant => Kind + "Statement";

    public string[] Parts { get; }
}

/// <summary>
/// The SQL of a table's repository: its statements (the DDL is in <see cref="TableDdl"/>). Every identifier is
/// quoted, every value is a positional parameter (<c>$1</c>..<c>$n</c>), and every text is fixed here,
/// at build time.
/// </summary>
internal static class SqlStatements
{
    /// <summary>Whether the table has columns outside its primary key, i.e. something for UPDATE to set.</summary>
    public static bool HasUpdatableColumns(TableSpec table) => table.Columns.Count > table.PrimaryKey.Count;

    /// <summary>
    /// The repository's statements, in the order of its constants. Distributed tables: Get, Insert, Upsert,
    /// Update (only when a column outside the primary key exists), Delete, List and Count (one distribution
    /// key), CountAll and ListAll (every shard). Reference and local tables: the same without List and Count.
    /// </summary>
    /// <remarks>
    /// Parameters: Get and Delete take the primary key columns as $1..$k in key order; List and Count take
    /// the distribution key as $1; Insert, Upsert and Update take every column, $i being column i in column
    /// order, so that all three bind with the row mapper's one Bind method.
    /// </remarks>
    public static IReadOnlyList<Statement> For(TableSpec table)
    {
        var columns = table.Columns;
        var select = string.Join(", ", columns.Select(c => SqlText.Identifier(c.ColumnName)));
        var values = string.Join(", ", Enumerable.Range(1, columns.Count).Select(Parameter));
        var primaryKey = PrimaryKeyList(table);
        var byKey = string.Join(" AND ", table.PrimaryKey.Select((c, i) => SqlText.Identifier(columns[c].ColumnName) + " = " + Parameter(i + 1)));
        var others = Enumerable.Range(0, columns.Count).Where(i => !table.PrimaryKey.Contains(i)).ToList();

        var statements = new List<Statement>
        {
            new(StatementKind.Get, $"SELECT {select} FROM ", $" WHERE {byKey}"),
            new(StatementKind.Insert, "INSERT INTO ", $" ({select}) VALUES ({values})"),
            new(
                StatementKind.Upsert,
                "INSERT INTO ",
                $" ({select}) VALUES ({values}) ON CONFLICT ({primaryKey}) DO "
                    + (others.Count == 0
                        ? "NOTHING"
                        : "UPDATE SET " + string.Join(", ", others.Select(i => $"{SqlText.Identifier(columns[i].ColumnName)} = EXCLUDED.{SqlText.Identifier(columns[i].ColumnName)}")))),
        };

        if (others.Count > 0)
        {
            var set = string.Join(", ", others.Select(i => SqlText.Identifier(columns[i].ColumnName) + " = " + Parameter(i + 1)));
            var where = string.Join(" AND ", table.PrimaryKey.Select(i => SqlText.Identifier(columns[i].ColumnName) + " = " + Parameter(i + 1)));
            statements.Add(new(StatementKind.Update, "UPDATE ", $" SET {set} WHERE {where}"));
        }

        statements.Add(new(StatementKind.Delete, "DELETE FROM ", $" WHERE {byKey}"));
        if (table.Kind == TableKind.Distributed)
        {
            var key = SqlText.Identifier(columns[table.DistributionKey].ColumnName);
            statements.Add(new(StatementKind.List, $"SELECT {select} FROM ", $" WHERE {key} = $1 ORDER BY {primaryKey}"));
            statements.Add(new(StatementKind.Count, "SELECT count(*) FROM ", $" WHERE {key} = $1"));
        }

        statements.Add(new(StatementKind.CountAll, "SELECT count(*) FROM ", string.Empty));
        statements.Add(new(StatementKind.ListAll, $"SELECT {select} FROM ", $" ORDER BY {primaryKey}"));
        return statements;
    }

    private static string PrimaryKeyList(TableSpec table) =>
        string.Join(", ", table.PrimaryKey.Select(i => SqlText.Identifier(table.Columns[i].ColumnName)));

    private static string Parameter(int number) => "$" + number.ToString(CultureInfo.InvariantCulture);
}
