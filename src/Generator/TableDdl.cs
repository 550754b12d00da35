using System.Linq;
using System.Text;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

/// <summary>
/// The DDL of one physical copy of a table, for the reviewer scripts (<c>CitusDdl</c>, <c>NativeDdlTemplate</c>): the same
/// text, clause for clause, as the runtime's <c>TableDdl</c> writes when it creates the copy. Every identifier is quoted;
/// expressions (<c>[Check]</c>, <c>[DefaultSql]</c>, an index's <c>Expression</c> and <c>Where</c>) are the user's text.
/// </summary>
/// <remarks>
/// <paramref name="suffix"/> arguments name a shard's objects: <c>{name}_{shardid}</c> as the template shows it (the runtime
/// also shortens a name that would pass 63 bytes with a hash of it).
/// </remarks>
internal static class TableDdl
{
    /// <summary>
    /// <c>CREATE TABLE IF NOT EXISTS "physical" (...)</c>: columns (<c>"c" type DEFAULT x NOT NULL</c>), the primary key,
    /// the unique and check constraints, and <paramref name="extraConstraint"/> (a shard's hash range).
    /// </summary>
    public static string CreateTable(TableSpec table, string physical, string suffix, string? extraConstraint = null)
    {
        var sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").Append(SqlText.Identifier(physical)).Append(" (");
        foreach (var column in table.Columns)
        {
            sql.Append(SqlText.Identifier(column.ColumnName)).Append(' ').Append(SqlTypes.SqlType(column));
            if (column.DefaultSql is { } value)
            {
                sql.Append(" DEFAULT ").Append(value);
            }

            sql.Append(column.IsNullable ? ", " : " NOT NULL, ");
        }

        sql.Append("PRIMARY KEY (").Append(ColumnList(table, table.PrimaryKey)).Append(')');
        foreach (var unique in table.UniqueConstraints)
        {
            sql.Append(", CONSTRAINT ").Append(SqlText.Identifier(unique.Name + suffix)).Append(" UNIQUE (").Append(ColumnList(table, unique.Columns)).Append(')');
        }

        foreach (var check in table.CheckConstraints)
        {
            sql.Append(", CONSTRAINT ").Append(SqlText.Identifier(check.Name + suffix)).Append(" CHECK (").Append(check.Sql).Append(')');
        }

        if (extraConstraint is not null)
        {
            sql.Append(", ").Append(extraConstraint);
        }

        return sql.Append(')').ToString();
    }

    /// <summary><c>CREATE [UNIQUE] INDEX IF NOT EXISTS "name" ON "physical" USING method (columns[, (expression)]) [INCLUDE (...)] [WHERE ...]</c>.</summary>
    public static string CreateIndex(TableSpec table, IndexSpec index, string physical, string suffix)
    {
        var sql = new StringBuilder(index.IsUnique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ")
            .Append("IF NOT EXISTS ").Append(SqlText.Identifier(index.Name + suffix)).Append(" ON ").Append(SqlText.Identifier(physical))
            .Append(" USING ").Append(index.Method.ToString().ToLowerInvariant()).Append(" (").Append(ColumnList(table, index.Columns));
        if (index.Expression is { } expression)
        {
            sql.Append(index.Columns.Count > 0 ? ", (" : "(").Append(expression).Append(')');
        }

        sql.Append(')');
        if (index.Include.Count > 0)
        {
            sql.Append(" INCLUDE (").Append(ColumnList(table, index.Include)).Append(')');
        }

        if (index.Where is { } where)
        {
            sql.Append(" WHERE ").Append(where);
        }

        return sql.ToString();
    }

    /// <summary><c>ALTER TABLE "physical" ADD CONSTRAINT "name" FOREIGN KEY (...) REFERENCES "referenced" (...) [ON DELETE ...]</c>.</summary>
    public static string AddForeignKey(TableSpec table, ForeignKeySpec key, string physical, string suffix, string referencedPhysical) =>
        new StringBuilder("ALTER TABLE ").Append(SqlText.Identifier(physical)).Append(" ADD CONSTRAINT ").Append(SqlText.Identifier(key.Name + suffix))
            .Append(" FOREIGN KEY (").Append(ColumnList(table, key.Columns)).Append(") REFERENCES ").Append(SqlText.Identifier(referencedPhysical))
            .Append(" (").Append(string.Join(", ", key.PrincipalKey.Select(SqlText.Identifier))).Append(')')
            .Append(key.OnDelete switch
            {
                ReferentialAction.Restrict => " ON DELETE RESTRICT",
                ReferentialAction.Cascade => " ON DELETE CASCADE",
                ReferentialAction.SetNull => " ON DELETE SET NULL",
                ReferentialAction.SetDefault => " ON DELETE SET DEFAULT",
                _ => string.Empty,
            })
            .ToString();

    private static string ColumnList(TableSpec table, EquatableArray<int> columns) =>
        string.Join(", ", columns.Select(c => SqlText.Identifier(table.Columns[c].ColumnName)));
}
