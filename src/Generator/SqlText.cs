namespace ShardGen.Generator;

/// <summary>Quoting for the SQL the generator writes: every identifier quoted, every literal escaped.</summary>
internal static class SqlText
{
    /// <summary>A quoted identifier: <c>orders</c> → <c>"orders"</c>, a <c>"</c> inside doubled.</summary>
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>A string literal with standard_conforming_strings: single quotes doubled.</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''") + "'";

    /// <summary>
    /// A table name as the text of a <c>regclass</c> argument (<c>create_distributed_table('orders', ...)</c>).
    /// PostgreSQL folds an unquoted name to lower case and splits it at dots, so any name that is not
    /// already a plain lower-case identifier is passed quoted inside the literal: <c>'"Order Items"'</c>.
    /// </summary>
    public static string RegclassLiteral(string tableName) => Literal(IsPlainLowerCase(tableName) ? tableName : Identifier(tableName));

    /// <summary>An identifier as a user would write it in SQL: plain lower-case names as they are, others quoted.</summary>
    public static string Name(string name) => IsPlainLowerCase(name) ? name : Identifier(name);

    private static bool IsPlainLowerCase(string name)
    {
        if (name.Length == 0 || !(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z')))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            {
                return false;
            }
        }

        return true;
    }
}
