using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0022: a [Default] value that does not fit its property, an empty [DefaultSql], or both on one property.</summary>
public sealed class SG0022Tests
{
    [Fact]
    public async Task A_value_of_another_type_is_an_error_on_the_value()
    {
        await Verifier.VerifyAsync(Usings + """
            public enum Status { New, Paid }
            public enum Other { X }

            [Reference]
            public sealed class Product
            {
                public long Id { get; set; }
                [Default({|SG0022:"0"|})] public int Stock { get; set; }
                [Default({|SG0022:70000|})] public short Small { get; set; }
                [Default({|SG0022:Other.X|})] public Status Status { get; set; }
                [Default({|SG0022:1|})] public bool Active { get; set; }
                [Default({|SG0022:"2024-01-01"|})] public DateTime Since { get; set; }
                [Default({|SG0022:null!|})] public string Name { get; set; } = "";
            }
            """);
    }

    [Fact]
    public async Task Both_attributes_or_an_empty_expression_are_errors_on_DefaultSql()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed class Product
            {
                public long Id { get; set; }
                [Default(0), {|SG0022:DefaultSql("0")|}] public int Stock { get; set; }
                [DefaultSql({|SG0022:""|})] public DateTimeOffset CreatedAt { get; set; }
            }
            """);
    }

    [Fact]
    public async Task On_a_positional_record_the_message_names_the_property_and_the_column()
    {
        var diagnostic = await SingleAsync(Usings + """
            [Reference]
            public sealed record Product(long Id, [property: Default(2.5)] int Stock);
            """, "SG0022", "'Stock'", "'Product'", "double 2.5", "'stock'", "[DefaultSql]");
        Assert.Equal("2.5", Underlined(diagnostic));
    }

    [Fact]
    public async Task Values_of_the_property_type_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            public enum Status { New, Paid }

            [Reference]
            public sealed class Product
            {
                public long Id { get; set; }
                [Default(0)] public long Stock { get; set; }
                [Default(9.99)] public decimal Price { get; set; }
                [Default(1)] public double Ratio { get; set; }
                [Default(false)] public bool Active { get; set; }
                [Default("n/a")] public string Name { get; set; } = "";
                [Default(Status.Paid)] public Status Status { get; set; }
                [DefaultSql("now()")] public DateTimeOffset CreatedAt { get; set; }
            }
            """);
    }
}
