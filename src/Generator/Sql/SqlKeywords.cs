using System;
using System.Collections.Generic;

namespace ShardGen.Generator.Sql;

/// <summary>The PostgreSQL keyword categories the parser needs (from src/include/parser/kwlist.h), all lower case.</summary>
internal static class SqlKeywords
{
    /// <summary>Reserved keywords: never a column, table, function or bare alias name.</summary>
    public static readonly HashSet<string> Reserved = Set(
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check",
        "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time",
        "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except",
        "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially", "intersect", "into",
        "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null", "offset", "on", "only", "or", "order",
        "placing", "primary", "references", "returning", "select", "session_user", "some", "symmetric", "system_user",
        "table", "then", "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where",
        "window", "with");

    /// <summary>Keywords that may name a function or type but not a column, table or bare alias (<c>left(s, 2)</c>).</summary>
    public static readonly HashSet<string> TypeOrFunctionName = Set(
        "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full", "ilike",
        "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps", "right", "similar",
        "tablesample", "verbose");

    /// <summary>SQL value keywords that read like a call without parentheses; those in <see cref="WithPrecision"/> take an optional <c>(p)</c>.</summary>
    public static readonly HashSet<string> ValueFunctions = Set(
        "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp", "current_user", "current_role",
        "session_user", "user", "current_catalog", "current_schema", "system_user");

    public static readonly HashSet<string> WithPrecision = Set("current_time", "current_timestamp", "localtime", "localtimestamp");

    /// <summary>Functions with SQL-standard keyword arguments: <c>substring(x FROM 1 FOR 2)</c>, <c>trim(BOTH FROM x)</c>, <c>normalize(x, NFC)</c>, <c>xmlelement(NAME e, ...)</c>, ...</summary>
    public static readonly HashSet<string> KeywordArgumentFunctions = Set(
        "position", "substring", "trim", "overlay", "normalize", "xmlelement", "xmlforest", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmlexists");

    /// <summary>Statements PostgreSQL has that a [Query] cannot hold.</summary>
    public static readonly HashSet<string> OtherStatements = Set(
        "values", "table", "merge", "create", "alter", "drop", "truncate", "copy", "call", "do", "explain", "begin",
        "commit", "rollback", "start", "end", "abort", "set", "reset", "show", "grant", "revoke", "lock", "vacuum",
        "analyze", "analyse", "listen", "unlisten", "notify", "prepare", "execute", "deallocate", "declare", "fetch",
        "move", "close", "refresh", "reindex", "cluster", "comment", "discard", "import", "load", "savepoint", "release",
        "checkpoint", "security");

    public static readonly HashSet<string> IntervalFields = Set("year", "month", "day", "hour", "minute", "second");

    public static bool IsReserved(SqlToken token) => token.Kind == SqlTokenKind.Identifier && Reserved.Contains(token.Value);

    /// <summary>A name usable for a column or table (PostgreSQL's <c>ColId</c>): a quoted identifier, or a word that is neither reserved nor a type/function keyword.</summary>
    public static bool IsColumnName(SqlToken token)
        => token.Kind == SqlTokenKind.QuotedIdentifier
        || (token.Kind == SqlTokenKind.Identifier && !Reserved.Contains(token.Value) && !TypeOrFunctionName.Contains(token.Value));

    private static HashSet<string> Set(params string[] words) => new(words, StringComparer.Ordinal);
}
