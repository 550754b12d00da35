using System.Text;

namespace ShardGen.Model;

/// <summary>
/// What decides a table's physical shape and placement: what <see cref="CanonicalText"/> writes and the cluster records
/// in <c>shardgen.tables.canonical</c>, read back. On the native engine the recorded shape is the shape of every physical
/// copy of the table (shard tables, reference copies), columns in their physical order: an apply that adds columns
/// appends them, and a column the model no longer has stays in it.
/// </summary>
/// <param name="DistributionType">The PostgreSQL type of the distribution column (<c>bigint</c>); null unless distributed.</param>
internal sealed record TableShape(
    string Name,
    TableKind Kind,
    string? DistributionColumn,
    string? DistributionType,
    string? ColocationGroup,
    IReadOnlyList<ColumnDefinition> Columns,
    IReadOnlyList<string> PrimaryKey)
{
    public static TableShape Of(TableDefinition table) => new(
        table.Name,
        table.Kind,
        table.DistributionColumn,
        table.Kind == TableKind.Distributed ? table.KeyType.SqlType() : null,
        table.ColocationGroup,
        table.Columns,
        table.PrimaryKey);

    /// <summary>
    /// Reads a canonical text back; null when it is not one this version writes. A column line is
    /// <c>column {name} {type} null|not null</c>; names and types may hold spaces (<c>timestamp with time zone</c>), so a
    /// name the compiled table has (<paramref name="names"/>) is matched first, and otherwise the name ends at the first space.
    /// </summary>
    public static TableShape? Parse(string canonical, IEnumerable<string> names)
    {
        var known = names.OrderByDescending(n => n.Length).ToArray();
        string? name = null, distributionColumn = null, distributionType = null, colocation = null;
        TableKind? kind = null;
        IReadOnlyList<string>? primaryKey = null;
        var columns = new List<ColumnDefinition>();
        foreach (var line in canonical.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Field(line, "table ") is { } table)
            {
                name = table;
            }
            else if (Field(line, "kind ") is { } kindText)
            {
                kind = kindText switch
                {
                    "distributed" => TableKind.Distributed,
                    "reference" => TableKind.Reference,
                    "local" => TableKind.Local,
                    _ => null,
                };
            }
            else if (Field(line, "distribution ") is { } distribution && distribution.LastIndexOf(' ') is > 0 and var space)
            {
                // The key types (integer, bigint, text, uuid) have no space; the column name may.
                distributionColumn = distribution[..space];
                distributionType = distribution[(space + 1)..];
            }
            else if (Field(line, "colocation ") is { } group)
            {
                colocation = group;
            }
            else if (Field(line, "column ") is { } column)
            {
                var nullable = column.EndsWith(" null", StringComparison.Ordinal) && !column.EndsWith(" not null", StringComparison.Ordinal);
                var rest = nullable ? column[..^" null".Length] : column.EndsWith(" not null", StringComparison.Ordinal) ? column[..^" not null".Length] : null;
                if (rest is null)
                {
                    return null;
                }

                var columnName = known.FirstOrDefault(n => rest.Length > n.Length + 1 && rest.StartsWith(n + " ", StringComparison.Ordinal))
                    ?? (rest.IndexOf(' ', StringComparison.Ordinal) is > 0 and var end ? rest[..end] : null);
                if (columnName is null)
                {
                    return null;
                }

                columns.Add(new ColumnDefinition(columnName, rest[(columnName.Length + 1)..], nullable));
            }
            else if (Field(line, "primary key ") is { } key)
            {
                primaryKey = key.Length == 0 ? [] : key.Split(", ");
            }
            else
            {
                return null;
            }
        }

        if (name is null || kind is not { } tableKind || primaryKey is null
            || (tableKind == TableKind.Distributed && (distributionColumn is null || colocation is null)))
        {
            return null;
        }

        return new TableShape(name, tableKind, distributionColumn, distributionType, colocation, columns, primaryKey);
    }

    /// <summary>This shape with the columns of <paramref name="table"/> it lacks appended, in the model's order: what an apply of the model makes of it.</summary>
    public TableShape Merge(TableDefinition table)
    {
        var have = Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return this with { Columns = [.. Columns, .. table.Columns.Where(c => !have.Contains(c.Name))] };
    }

    /// <summary>The inside of the table's <c>CREATE TABLE (...)</c>, as the generator writes it for a model.</summary>
    public string ColumnsDdl()
    {
        var ddl = new StringBuilder();
        foreach (var column in Columns)
        {
            ddl.Append(Identifiers.Quote(column.Name)).Append(' ').Append(column.SqlType).Append(column.IsNullable ? "" : " NOT NULL").Append(", ");
        }

        return ddl.Append("PRIMARY KEY (").AppendJoin(", ", PrimaryKey.Select(Identifiers.Quote)).Append(')').ToString();
    }

    private static string? Field(string line, string prefix) =>
        line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..] : null;
}
