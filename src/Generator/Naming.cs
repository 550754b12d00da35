using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace ShardGen.Generator;

/// <summary>
/// The naming conventions: type and property names become table and column names, and table
/// types become the entry point's property names.
/// </summary>
internal static class Naming
{
    // Plurals are English and deliberately simple; a type whose plural comes out wrong names its
    // table with Table = "...". The irregular and uncountable words are matched on the last word
    // of the PascalCase name (SalesPerson → SalesPeople).
    private static readonly string[][] Irregular =
    {
        new[] { "person", "people" },
        new[] { "child", "children" },
        new[] { "man", "men" },
        new[] { "woman", "women" },
        new[] { "mouse", "mice" },
        new[] { "goose", "geese" },
        new[] { "foot", "feet" },
        new[] { "tooth", "teeth" },
        new[] { "ox", "oxen" },
    };

    private static readonly string[] Uncountable =
    {
        "data", "metadata", "information", "equipment", "news", "series", "species", "money", "feedback", "software",
    };

    /// <summary>The default table name of a type: the snake_case of its plural (OrderItem → order_items).</summary>
    public static string TableName(string typeName) => ToSnakeCase(Pluralize(typeName));

    /// <summary>The default column name of a property: its snake_case (TenantId → tenant_id).</summary>
    public static string ColumnName(string propertyName) => ToSnakeCase(propertyName);

    /// <summary>The entry point's property for a table type: the PascalCase plural of the type name (Country → Countries).</summary>
    public static string PropertyName(string typeName)
    {
        var plural = Pluralize(typeName);
        return plural.Length == 0 ? plural : char.ToUpperInvariant(plural[0]) + plural.Substring(1);
    }

    /// <summary>
    /// snake_case: an underscore before an upper-case letter that follows a lower-case letter or a digit,
    /// or that starts a new word after an acronym (HTTPLog → http_log); everything lower-cased.
    /// </summary>
    public static string ToSnakeCase(string name)
    {
        var result = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_')
                {
                    var previous = name[i - 1];
                    var startsWordAfterAcronym = char.IsUpper(previous) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                    if (char.IsLower(previous) || char.IsDigit(previous) || startsWordAfterAcronym)
                    {
                        result.Append('_');
                    }
                }

                result.Append(char.ToLowerInvariant(c));
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    /// <summary>The English plural of a (PascalCase) name: Order → Orders, Country → Countries, Address → Addresses.</summary>
    public static string Pluralize(string name)
    {
        if (name.Length == 0)
        {
            return name;
        }

        var lastWordStart = 0;
        for (var i = name.Length - 1; i > 0; i--)
        {
            if (char.IsUpper(name[i]) || name[i] == '_')
            {
                lastWordStart = name[i] == '_' ? i + 1 : i;
                break;
            }
        }

        var head = name.Substring(0, lastWordStart);
        var lastWord = name.Substring(lastWordStart);
        var lower = lastWord.ToLowerInvariant();
        foreach (var word in Uncountable)
        {
            if (lower == word)
            {
                return name;
            }
        }

        foreach (var pair in Irregular)
        {
            if (lower == pair[0])
            {
                return head + MatchFirstLetterCase(lastWord, pair[1]);
            }
        }

        var lowerName = name.ToLowerInvariant();
        if (EndsWith(lowerName, "s") || EndsWith(lowerName, "x") || EndsWith(lowerName, "z") || EndsWith(lowerName, "ch") || EndsWith(lowerName, "sh"))
        {
            return name + "es";
        }

        if (lowerName.Length >= 2 && lowerName[lowerName.Length - 1] == 'y' && !IsVowel(lowerName[lowerName.Length - 2]))
        {
            return name.Substring(0, name.Length - 1) + "ies";
        }

        return name + "s";
    }

    /// <summary>camelCase for parameter and local names: TenantId → tenantId, ID → id, URLPath → urlPath.</summary>
    public static string ToCamelCase(string name)
    {
        if (name.Length == 0 || !char.IsUpper(name[0]))
        {
            return name;
        }

        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (i > 0 && !char.IsUpper(chars[i]))
            {
                break;
            }

            // In an acronym followed by a word, the acronym's last letter starts that word (URLPath → urlPath).
            if (i > 0 && i + 1 < chars.Length && char.IsLower(chars[i + 1]))
            {
                break;
            }

            chars[i] = char.ToLowerInvariant(chars[i]);
        }

        return new string(chars);
    }

    /// <summary>An identifier as C# source: a keyword gets an <c>@</c> (event → @event).</summary>
    public static string EscapeIdentifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    /// <summary>
    /// An assembly name as a C# namespace: each dot-separated part made a valid identifier
    /// (my-app.data → my_app.data, 1app → _1app), keywords escaped. The result is never empty.
    /// </summary>
    public static string NamespaceOf(string? assemblyName)
    {
        if (string.IsNullOrEmpty(assemblyName))
        {
            return "ShardGen.Generated";
        }

        var parts = assemblyName!.Split('.');
        for (var p = 0; p < parts.Length; p++)
        {
            var part = new StringBuilder();
            foreach (var c in parts[p])
            {
                part.Append(SyntaxFacts.IsIdentifierPartCharacter(c) ? c : '_');
            }

            if (part.Length == 0 || !SyntaxFacts.IsIdentifierStartCharacter(part[0]))
            {
                part.Insert(0, '_');
            }

            parts[p] = EscapeIdentifier(part.ToString());
        }

        return string.Join(".", parts);
    }

    private static string MatchFirstLetterCase(string original, string replacement) =>
        char.IsUpper(original[0]) ? char.ToUpperInvariant(replacement[0]) + replacement.Substring(1) : replacement;

    private static bool EndsWith(string text, string suffix) => text.EndsWith(suffix, System.StringComparison.Ordinal);

    private static bool IsVowel(char c) => c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}
