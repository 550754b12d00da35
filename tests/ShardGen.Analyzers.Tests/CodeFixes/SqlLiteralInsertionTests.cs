using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using ShardGen.CodeFixes;

namespace ShardGen.Analyzers.Tests.CodeFixes;

/// <summary>
/// Inserting SQL into a literal at every offset of its value gives a literal whose value is the SQL with
/// the text inserted there, for every way C# writes a string.
/// </summary>
public sealed class SqlLiteralInsertionTests
{
    private const string Plain = " AND c.tenant_id = o.tenant_id";
    private const string Quoted = " AND c.\"TenantId\" = o.\"Tenant\\Id\"";

    /// <summary>A literal, the text to insert, and the offsets where it cannot go.</summary>
    public static TheoryData<string, string, int[]> Literals => new()
    {
        // Offset 28 falls between the two halves of the surrogate pair \U0001F600 writes.
        { "\"SELECT \\\"id\\\"\\tFROM orders\\\\x \\u0041\\U0001F600\\x41 o\"", Plain, [28] },
        { "\"SELECT \\\"id\\\"\\tFROM orders\\\\x \\u0041\\U0001F600\\x41 o\"", Quoted, [28] },
        { "@\"SELECT \"\"id\"\"\r\nFROM orders o\"", Plain, [] },
        { "@\"SELECT \"\"id\"\"\r\nFROM orders o\"", Quoted, [] },
        { "\"\"\"SELECT \"id\" FROM orders o\"\"\"", Plain, [] },
        // A quote last in a single-line raw literal would run into the closing delimiter.
        { "\"\"\"SELECT \"id\" FROM orders o\"\"\"", Quoted, [25] },
        // Offset 16 is on a blank line, which has no indentation for the text to follow; 33 splits \r\n;
        // at 7 and 12 a quote would make a run of four, the delimiter.
        { "\"\"\"\"\n    SELECT \"\"\"id\"\"\"\n\n      FROM orders o\r\n    WHERE x = 1\n    \"\"\"\"", Plain, [16, 33] },
        { "\"\"\"\"\n    SELECT \"\"\"id\"\"\"\n\n      FROM orders o\r\n    WHERE x = 1\n    \"\"\"\"", Quoted, [7, 12, 16, 33] },
    };

    [Theory]
    [MemberData(nameof(Literals))]
    public void Text_inserted_at_an_offset_lands_at_that_offset_of_the_value(string literal, string sql, int[] refused)
    {
        var token = Token(literal);
        for (var offset = 0; offset <= token.ValueText.Length; offset++)
        {
            var change = SqlLiteralInsertion.Create(token, offset, sql);
            if (refused.Contains(offset))
            {
                Assert.Null(change);
                continue;
            }

            Assert.True(change is not null, $"no insertion at {offset}");
            var edited = Token(SourceText.From(literal).WithChanges(change!.Value).ToString());
            Assert.Equal(token.ValueText.Insert(offset, sql), edited.ValueText);
        }
    }

    [Fact]
    public void The_inserted_text_is_escaped_for_the_literal()
    {
        const string sql = "\"a\\b\"";
        Assert.Equal("\\\"a\\\\b\\\"", SqlLiteralInsertion.Create(Token("\"x\""), 1, sql)!.Value.NewText);
        Assert.Equal("\"\"a\\b\"\"", SqlLiteralInsertion.Create(Token("@\"x\""), 1, sql)!.Value.NewText);
        Assert.Equal(sql, SqlLiteralInsertion.Create(Token("\"\"\"x \"\"\""), 1, sql)!.Value.NewText);
    }

    [Fact]
    public void Text_a_raw_literal_cannot_hold_as_it_is_is_not_inserted()
    {
        Assert.Null(SqlLiteralInsertion.Create(Token("\"\"\"x\"\"\""), 1, " \"\"\" "));
        Assert.Null(SqlLiteralInsertion.Create(Token("\"\"\"x\"\"\""), 1, " a\"")); // a quote would run into the delimiter
        Assert.Null(SqlLiteralInsertion.Create(Token("\"\"\"\n  x\n  \"\"\""), 1, "\nAND y"));
    }

    private static SyntaxToken Token(string literal)
    {
        var token = ((LiteralExpressionSyntax)SyntaxFactory.ParseExpression(literal)).Token;
        Assert.False(token.ContainsDiagnostics, literal);
        return token;
    }
}
