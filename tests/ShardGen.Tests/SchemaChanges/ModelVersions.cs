using Npgsql;
using NpgsqlTypes;
using ShardGen.Model;

namespace ShardGen.Tests.SchemaChanges;

/// <summary>
/// Hand-built tables, so that an older and a newer model of the same table live in one test assembly, each with the
/// statements a generated repository would have (every column named): Get by primary key, Insert, Update, CountAll.
/// A row is an array of values in column order; the primary key columns come first, the distribution key first of all.
/// </summary>
internal static class ModelVersions
{
    public const int Get = 0;
    public const int Insert = 1;
    public const int Update = 2;
    public const int CountAll = 3;

    public static ColumnDefinition Column(string name, string type, bool nullable = false) => new(name, type, nullable);

    public static TableDefinition Distributed(string name, int keyColumns, params ColumnDefinition[] columns) =>
        Table(name, TableKind.Distributed, keyColumns, columns);

    /// <summary>A distributed table in colocation group <paramref name="group"/> (<see cref="Distributed"/> gives each table a group of its own).</summary>
    public static TableDefinition DistributedIn(string group, string name, int keyColumns, params ColumnDefinition[] columns) =>
        Table(name, TableKind.Distributed, keyColumns, columns, group);

    public static TableDefinition Reference(string name, int keyColumns, params ColumnDefinition[] columns) =>
        Table(name, TableKind.Reference, keyColumns, columns);

    public static TableDefinition Local(string name, int keyColumns, params ColumnDefinition[] columns) =>
        Table(name, TableKind.Local, keyColumns, columns);

    /// <summary>The table with indexes and constraints (a table's are fixed when it is made).</summary>
    public static TableDefinition With(
        this TableDefinition table, IndexDefinition[]? indexes = null, UniqueConstraintDefinition[]? uniques = null,
        CheckConstraintDefinition[]? checks = null, ForeignKeyDefinition[]? foreignKeys = null) =>
        new(table.Name, table.Kind, table.Columns, table.PrimaryKey, table.Statements, table.DistributionColumn, table.KeyType, table.ColocationGroup)
        {
            Indexes = indexes ?? table.Indexes,
            UniqueConstraints = uniques ?? table.UniqueConstraints,
            CheckConstraints = checks ?? table.CheckConstraints,
            ForeignKeys = foreignKeys ?? table.ForeignKeys,
        };

    public static Task<int> InsertAsync(this ShardedDataSource source, TableDefinition table, params object?[] row) =>
        source.Table(table).ExecuteAsync(KeyOf(table, row), Insert, row, Bind(table), CancellationToken.None);

    public static Task<int> UpdateAsync(this ShardedDataSource source, TableDefinition table, params object?[] row) =>
        source.Table(table).ExecuteAsync(KeyOf(table, row), Update, row, Bind(table), CancellationToken.None);

    public static Task<object?[]?> GetAsync(this ShardedDataSource source, TableDefinition table, params object?[] key) =>
        source.Table(table).QuerySingleAsync<object?[], object?[]?>(KeyOf(table, key), Get, key, Bind(table), Read, CancellationToken.None);

    public static async Task<long> CountAllAsync(this ShardedDataSource source, TableDefinition table) =>
        (await source.Table(table).QueryAllShardsAsync(CountAll, reader => reader.GetInt64(0), CancellationToken.None)).Sum();

    private static TableDefinition Table(string name, TableKind kind, int keyColumns, ColumnDefinition[] columns, string? group = null)
    {
        var primaryKey = columns.Take(keyColumns).Select(c => c.Name).ToArray();
        var names = columns.Select(c => Identifiers.Quote(c.Name)).ToArray();
        var where = string.Join(" AND ", primaryKey.Select((c, i) => $"{Identifiers.Quote(c)} = ${i + 1}"));
        var set = string.Join(", ", columns.Skip(keyColumns).Select((c, i) => $"{Identifiers.Quote(c.Name)} = ${keyColumns + i + 1}"));
        SqlTemplate[] statements =
        [
            new($"SELECT {string.Join(", ", names)} FROM ", $" WHERE {where}"),
            new("INSERT INTO ", $" ({string.Join(", ", names)}) VALUES ({string.Join(", ", names.Select((_, i) => $"${i + 1}"))})"),
            new("UPDATE ", $" SET {set} WHERE {where}"),
            new("SELECT count(*) FROM ", ""),
        ];
        return kind == TableKind.Distributed
            ? new TableDefinition(name, kind, columns, primaryKey, statements, columns[0].Name, KeyType(columns[0].SqlType), group ?? name)
            : new TableDefinition(name, kind, columns, primaryKey, statements);
    }

    private static DistributionKeyType KeyType(string sqlType) => sqlType switch
    {
        "bigint" => DistributionKeyType.Int64,
        "integer" => DistributionKeyType.Int32,
        "text" => DistributionKeyType.Text,
        _ => DistributionKeyType.Uuid,
    };

    private static ShardKey KeyOf(TableDefinition table, object?[] row) => table.Kind != TableKind.Distributed ? ShardKey.None : row[0] switch
    {
        long value => value,
        int value => value,
        string value => value,
        _ => (Guid)row[0]!,
    };

    // The values bind in column order (Get takes the key columns, which come first).
    private static Action<NpgsqlParameterCollection, object?[]> Bind(TableDefinition table) => (parameters, values) =>
    {
        for (var i = 0; i < values.Length; i++)
        {
            parameters.Add(new NpgsqlParameter
            {
                Value = values[i] ?? DBNull.Value,
                NpgsqlDbType = table.Columns[i].SqlType switch
                {
                    "bigint" => NpgsqlDbType.Bigint,
                    "integer" => NpgsqlDbType.Integer,
                    "uuid" => NpgsqlDbType.Uuid,
                    var type when type.StartsWith("numeric", StringComparison.Ordinal) => NpgsqlDbType.Numeric,
                    var type when type.StartsWith("timestamp", StringComparison.Ordinal) => NpgsqlDbType.TimestampTz,
                    _ => NpgsqlDbType.Text,
                },
            });
        }
    };

    private static object?[]? Read(NpgsqlDataReader reader)
    {
        var row = new object?[reader.FieldCount];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        }

        return row;
    }
}
