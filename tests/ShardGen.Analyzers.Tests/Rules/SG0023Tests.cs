using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0023: a type modifier ([Precision], [MaxLength], [Column(TypeName = ...)]) PostgreSQL would refuse, or on a type that takes none; underlined on the argument.</summary>
public sealed class SG0023Tests
{
    private const string DataAnnotations = "using System.ComponentModel.DataAnnotations;\n";

    [Fact]
    public async Task Out_of_range_precision_scale_and_length_are_errors_on_their_argument()
    {
        await Verifier.VerifyAsync(Usings + DataAnnotations + """
            [Reference]
            public sealed class Product
            {
                public long Id { get; set; }
                [Precision(3, {|SG0023:5|})] public decimal ScaleOverPrecision { get; set; }
                [Precision({|SG0023:1001|})] public decimal TooPrecise { get; set; }
                [Precision({|SG0023:0|}, 0)] public decimal NoDigits { get; set; }
                [Precision({|SG0023:7|})] public DateTimeOffset TooFine { get; set; }
                [Precision(3, {|SG0023:1|})] public TimeOnly ScaledTime { get; set; }
                [MaxLength({|SG0023:0|})] public string Empty { get; set; } = "";
            }
            """);
    }

    [Fact]
    public async Task A_modifier_on_a_type_that_takes_none_is_an_error_on_its_argument()
    {
        await Verifier.VerifyAsync(Usings + DataAnnotations + """
            [Reference]
            public sealed class Product
            {
                public long Id { get; set; }
                [Precision({|SG0023:10|})] public int Stock { get; set; }
                [Precision({|SG0023:10|})] public string Name { get; set; } = "";
                [MaxLength({|SG0023:16|})] public byte[] Hash { get; set; } = [];
                [Column({|SG0023:TypeName = "bigint(8)"|})] public long Big { get; set; }
            }
            """);
    }

    [Fact]
    public async Task A_type_name_that_is_not_a_form_of_the_propertys_type_is_an_error_on_TypeName()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed class Product
            {
                public long Id { get; set; }
                [Column({|SG0023:TypeName = "numeric(12,2)"|})] public string Price { get; set; } = "";
                [Column({|SG0023:TypeName = "timestamp(3)"|})] public DateTime At { get; set; }
                [Column({|SG0023:TypeName = "varchar(0)"|})] public string Code { get; set; } = "";
                [Column({|SG0023:TypeName = "numeric(5,6)"|})] public decimal Rate { get; set; }
                [Column({|SG0023:TypeName = "varchar(1,2)"|})] public string Pair { get; set; } = "";
                [Column({|SG0023:TypeName = "jsonb"|})] public string Document { get; set; } = "";
                [Column({|SG0023:TypeName = "numeric(("|})] public decimal Broken { get; set; }
            }
            """);
    }

    [Fact]
    public async Task Two_places_for_one_type_and_a_modified_distribution_key_are_errors()
    {
        await Verifier.VerifyAsync(Usings + DataAnnotations + """
            [Distributed(nameof(Code))]
            public sealed class Voucher
            {
                [MaxLength({|SG0023:20|})] public string Code { get; set; } = "";
                public long Id { get; set; }
                [Precision(12, 2), Column({|SG0023:TypeName = "numeric(14,2)"|})] public decimal Amount { get; set; }
            }
            """);
    }

    [Fact]
    public async Task The_message_names_the_property_the_value_and_the_limits()
    {
        var diagnostic = await SingleAsync(Usings + """
            [Reference]
            public sealed record Product(long Id, [property: Precision(4, 6)] decimal Rate);
            """, "SG0023", "'Rate'", "'Product'", "scale 6", "precision 4", "0 <= s <= p");
        Assert.Equal("6", Underlined(diagnostic));
    }

    [Fact]
    public async Task Valid_modifiers_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + DataAnnotations + """
            [Distributed(nameof(TenantId))]
            public sealed class Invoice
            {
                public long TenantId { get; set; }
                public long Id { get; set; }
                [Precision(12, 2)] public decimal Total { get; set; }
                [Precision(1000, 1000)] public decimal Ratio { get; set; }
                [Precision(0)] public DateTimeOffset IssuedAt { get; set; }
                [Precision(6)] public DateTime? PaidAt { get; set; }
                [Precision(3)] public TimeOnly Cutoff { get; set; }
                [Precision(2)] public TimeSpan Grace { get; set; }
                [MaxLength(10485760)] public string Body { get; set; } = "";
                [MaxLength] public string Unbounded { get; set; } = "";
                [Column(TypeName = "char(3)")] public string Currency { get; set; } = "";
                [Column("ref", TypeName = "character varying(20)")] public string? Reference { get; set; }
                [Column(TypeName = "timestamptz(3)")] public DateTime DueAt { get; set; }
                [Column(TypeName = "Timestamp (0) With  Time Zone")] public DateTimeOffset SentAt { get; set; }
                [Column(TypeName = "time(2) without time zone")] public TimeOnly Opens { get; set; }
                [Column(TypeName = "int8")] public long Count { get; set; }
                [Column(TypeName = "text")] public string Note { get; set; } = "";
            }
            """);
    }
}
