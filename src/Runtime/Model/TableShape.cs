using System.Text;
using System.Text.Json;

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
    public IReadOnlyList<IndexDefinition> Indexes { get; init; } = [];

    public IReadOnlyList<UniqueConstraintDefinition> UniqueConstraints { get; init; } = [];

    public IReadOnlyList<CheckConstraintDefinition> CheckConstraints { get; init; } = [];

    public IReadOnlyList<ForeignKeyDefinition> ForeignKeys { get; init; } = [];

    public static TableShape Of(TableDefinition table) => new(
        table.Name,
        table.Kind,
        table.DistributionColumn,
        table.Kind == TableKind.Distributed ? table.KeyType.SqlType() : null,
        table.ColocationGroup,
        table.Columns,
        table.PrimaryKey)
    {
        Indexes = table.Indexes,
        UniqueConstraints = table.UniqueConstraints,
        CheckConstraints = table.CheckConstraints,
        ForeignKeys = table.ForeignKeys,
    };

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
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        var indexes = new List<IndexDefinition>();
        var uniques = new List<UniqueConstraintDefinition>();
        var checks = new List<CheckConstraintDefinition>();
        var foreignKeys = new List<ForeignKeyDefinition>();
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
            else if (!ReadObject(line, defaults, indexes, uniques, checks, foreignKeys))
            {
                return null;
            }
        }

        if (name is null || kind is not { } tableKind || primaryKey is null
            || (tableKind == TableKind.Distributed && (distributionColumn is null || colocation is null)))
        {
            return null;
        }

        if (defaults.Keys.Any(c => !columns.Exists(d => d.Name == c)))
        {
            return null;
        }

        return new TableShape(
            name, tableKind, distributionColumn, distributionType, colocation,
            columns.Select(c => defaults.TryGetValue(c.Name, out var sql) ? c with { DefaultSql = sql } : c).ToArray(), primaryKey)
        {
            Indexes = indexes,
            UniqueConstraints = uniques,
            CheckConstraints = checks,
            ForeignKeys = foreignKeys,
        };
    }

    // The JSON lines CanonicalText writes after the primary key; false for a line this version does not read.
    private static bool ReadObject(
        string line, Dictionary<string, string> defaults, List<IndexDefinition> indexes, List<UniqueConstraintDefinition> uniques,
        List<CheckConstraintDefinition> checks, List<ForeignKeyDefinition> foreignKeys)
    {
        var brace = line.IndexOf(" {", StringComparison.Ordinal);
        if (brace < 0)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line[(brace + 1)..]);
            var o = document.RootElement;
            switch (line[..brace])
            {
                case "default":
                    return defaults.TryAdd(o.GetProperty("column").GetString()!, o.GetProperty("sql").GetString()!);
                case "unique":
                    uniques.Add(new UniqueConstraintDefinition(o.GetProperty("name").GetString()!, Strings(o, "columns")));
                    return true;
                case "check":
                    checks.Add(new CheckConstraintDefinition(o.GetProperty("name").GetString()!, o.GetProperty("sql").GetString()!));
                    return true;
                case "foreign key":
                    foreignKeys.Add(new ForeignKeyDefinition(o.GetProperty("name").GetString()!, Strings(o, "columns"), o.GetProperty("references").GetString()!, Strings(o, "referencedColumns"))
                    {
                        OnDelete = Enum.Parse<ReferentialAction>(o.GetProperty("onDelete").GetString()!),
                    });
                    return true;
                case "index":
                    indexes.Add(new IndexDefinition(o.GetProperty("name").GetString()!, Strings(o, "columns"))
                    {
                        IsUnique = o.GetProperty("unique").GetBoolean(),
                        Method = Enum.Parse<IndexMethod>(o.GetProperty("method").GetString()!),
                        Expression = o.GetProperty("expression").GetString(),
                        Include = Strings(o, "include"),
                        Where = o.GetProperty("where").GetString(),
                    });
                    return true;
                default:
                    return false;
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static string[] Strings(JsonElement o, string name) =>
        o.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();

    /// <summary>This shape with the columns of <paramref name="table"/> it lacks appended, in the model's order: what an apply of the model makes of it.</summary>
    public TableShape Merge(TableDefinition table)
    {
        var have = Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return this with { Columns = [.. Columns, .. table.Columns.Where(c => !have.Contains(c.Name))] };
    }

    private static string? Field(string line, string prefix) =>
        line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..] : null;
}
