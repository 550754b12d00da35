using System.Globalization;
using System.IO.Hashing;
using System.Text;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The DDL of one physical copy of a table (a shard table, a reference copy, a local table) from its shape: columns with
/// their defaults, the primary key, unique and check constraints, indexes and foreign keys. Every identifier is quoted.
/// A shard's indexes and constraints are named after the model's names and the shard id, as Citus names them.
/// </summary>
internal static class TableDdl
{
    /// <summary>The name of an index or constraint on a physical copy: <paramref name="name"/> itself, or on a shard
    /// <c>{name}_{shardid}</c>, shortened with a hash of the name when that passes PostgreSQL's 63 bytes.</summary>
    public static string ObjectName(string name, long? shardId)
    {
        if (shardId is not { } id)
        {
            return name;
        }

        var suffix = "_" + id.ToString(CultureInfo.InvariantCulture);
        if (Encoding.UTF8.GetByteCount(name) + suffix.Length <= Identifiers.MaxLength)
        {
            return name + suffix;
        }

        var hash = "_" + XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(name)).ToString("x8", CultureInfo.InvariantCulture);
        return Truncate(name, Identifiers.MaxLength - suffix.Length - hash.Length) + hash + suffix;
    }

    /// <summary>A column as <c>CREATE TABLE</c> and <c>ADD COLUMN</c> write it: <c>"name" type [NOT NULL] [DEFAULT ...]</c>.</summary>
    public static string Column(ColumnDefinition column)
    {
        var sql = Identifiers.Quote(column.Name) + " " + column.SqlType;
        if (column.DefaultSql is { } value)
        {
            sql += " DEFAULT " + value;
        }

        return column.IsNullable ? sql : sql + " NOT NULL";
    }

    /// <summary><c>CREATE TABLE IF NOT EXISTS</c> with columns, primary key, unique and check constraints, and
    /// <paramref name="extraConstraint"/> (a shard's hash range); foreign keys and indexes are separate statements.</summary>
    public static string CreateTable(TableShape shape, string physical, long? shardId, string? extraConstraint = null)
    {
        var sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").Append(Identifiers.Quote(physical)).Append(" (");
        foreach (var column in shape.Columns)
        {
            sql.Append(Column(column)).Append(", ");
        }

        sql.Append("PRIMARY KEY (").AppendJoin(", ", shape.PrimaryKey.Select(Identifiers.Quote)).Append(')');
        foreach (var unique in shape.UniqueConstraints)
        {
            sql.Append(", CONSTRAINT ").Append(Identifiers.Quote(ObjectName(unique.Name, shardId))).Append(" UNIQUE (").Append(ColumnList(unique.Columns)).Append(')');
        }

        foreach (var check in shape.CheckConstraints)
        {
            sql.Append(", CONSTRAINT ").Append(Identifiers.Quote(ObjectName(check.Name, shardId))).Append(" CHECK (").Append(check.Sql).Append(')');
        }

        if (extraConstraint is not null)
        {
            sql.Append(", ").Append(extraConstraint);
        }

        return sql.Append(')').ToString();
    }

    /// <summary><c>CREATE [UNIQUE] INDEX [CONCURRENTLY] IF NOT EXISTS</c> of one index on one physical copy.</summary>
    public static string CreateIndex(IndexDefinition index, string physical, long? shardId, bool concurrently)
    {
        var sql = new StringBuilder("CREATE ");
        if (index.IsUnique)
        {
            sql.Append("UNIQUE ");
        }

        sql.Append("INDEX ");
        if (concurrently)
        {
            sql.Append("CONCURRENTLY ");
        }

        sql.Append("IF NOT EXISTS ").Append(Identifiers.Quote(ObjectName(index.Name, shardId))).Append(" ON ").Append(Identifiers.Quote(physical))
            .Append(" USING ").Append(MethodName(index.Method)).Append(" (").Append(ColumnList(index.Columns));
        if (index.Expression is { } expression)
        {
            sql.Append(index.Columns.Count > 0 ? ", (" : "(").Append(expression).Append(')');
        }

        sql.Append(')');
        if (index.Include.Count > 0)
        {
            sql.Append(" INCLUDE (").Append(ColumnList(index.Include)).Append(')');
        }

        if (index.Where is { } where)
        {
            sql.Append(" WHERE ").Append(where);
        }

        return sql.ToString();
    }

    /// <summary><c>ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY</c> on one physical copy, to the copy <paramref name="referencedPhysical"/> on the same node.</summary>
    public static string AddForeignKey(ForeignKeyDefinition key, string physical, long? shardId, string referencedPhysical, bool notValid) =>
        new StringBuilder("ALTER TABLE ").Append(Identifiers.Quote(physical)).Append(" ADD CONSTRAINT ").Append(Identifiers.Quote(ObjectName(key.Name, shardId)))
            .Append(" FOREIGN KEY (").Append(ColumnList(key.Columns)).Append(") REFERENCES ").Append(Identifiers.Quote(referencedPhysical))
            .Append(" (").Append(ColumnList(key.ReferencedColumns)).Append(')')
            .Append(key.OnDelete == ReferentialAction.NoAction ? "" : " ON DELETE " + ActionSql(key.OnDelete))
            .Append(notValid ? " NOT VALID" : "").ToString();

    /// <summary><c>ALTER TABLE ... ADD CONSTRAINT ... CHECK (...) NOT VALID</c>: validated afterwards, without blocking writes.</summary>
    public static string AddCheck(CheckConstraintDefinition check, string physical, long? shardId) =>
        $"ALTER TABLE {Identifiers.Quote(physical)} ADD CONSTRAINT {Identifiers.Quote(ObjectName(check.Name, shardId))} CHECK ({check.Sql}) NOT VALID";

    /// <summary>A unique constraint made of the unique index built for it beforehand (<see cref="UniqueIndex"/>).</summary>
    public static string AddUniqueUsingIndex(UniqueConstraintDefinition unique, string physical, long? shardId) =>
        $"ALTER TABLE {Identifiers.Quote(physical)} ADD CONSTRAINT {Identifiers.Quote(ObjectName(unique.Name, shardId))} UNIQUE USING INDEX {Identifiers.Quote(ObjectName(unique.Name, shardId))}";

    /// <summary>The unique index a unique constraint added to an existing table is built from, concurrently (same name: the constraint takes it over).</summary>
    public static IndexDefinition UniqueIndex(UniqueConstraintDefinition unique) => new(unique.Name, unique.Columns) { IsUnique = true };

    public static string ValidateConstraint(string name, string physical, long? shardId) =>
        $"ALTER TABLE {Identifiers.Quote(physical)} VALIDATE CONSTRAINT {Identifiers.Quote(ObjectName(name, shardId))}";

    public static string MethodName(IndexMethod method) => method switch
    {
        IndexMethod.BTree => "btree",
        IndexMethod.Hash => "hash",
        IndexMethod.Gin => "gin",
        IndexMethod.Gist => "gist",
        IndexMethod.SpGist => "spgist",
        IndexMethod.Brin => "brin",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Not an index method."),
    };

    private static string ActionSql(ReferentialAction action) => action switch
    {
        ReferentialAction.Restrict => "RESTRICT",
        ReferentialAction.Cascade => "CASCADE",
        ReferentialAction.SetNull => "SET NULL",
        ReferentialAction.SetDefault => "SET DEFAULT",
        _ => "NO ACTION",
    };

    private static string ColumnList(IEnumerable<string> columns) => string.Join(", ", columns.Select(Identifiers.Quote));

    private static string Truncate(string text, int maxBytes)
    {
        var length = text.Length;
        while (Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > maxBytes || (length > 0 && char.IsHighSurrogate(text[length - 1])))
        {
            length--;
        }

        return text[..length];
    }
}
