using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0008: a stored property of a type ShardGen cannot store; underlined on the property.</summary>
public sealed class SG0008Tests
{
    [Fact]
    public async Task A_list_property_is_underlined_on_the_positional_parameter()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id, List<string> {|SG0008:Tags|});
            """);
    }

    [Fact]
    public async Task An_object_property_is_underlined_on_the_property()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed class Country
            {
                public long Id { get; set; }
                public object? {|SG0008:Extra|} { get; set; }
            }
            """);
    }

    [Fact]
    public async Task An_unsigned_long_property_is_refused()
    {
        await Verifier.VerifyAsync(Usings + """
            [Local]
            public sealed record Counter(long Id, ulong {|SG0008:Value|});
            """);
    }

    [Fact]
    public async Task Every_unsupported_property_is_reported_on_its_own_span()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public long TenantId { get; set; }
                public List<string> {|SG0008:Tags|} { get; set; } = [];
                public long Id { get; set; }
                public object? {|SG0008:Extra|} { get; set; }
                public ulong {|SG0008:Counter|} { get; set; }
                public string Note { get; set; } = "";
            }
            """);
    }

    [Fact]
    public async Task The_message_names_the_property_and_its_type()
    {
        await SingleAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id, List<string> Tags);
            """, "SG0008", "'Tags'", "'Order'", "List<string>", "[NotMapped]");
    }

    [Fact]
    public async Task Supported_types_and_NotMapped_properties_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            public enum Status { Open, Closed }

            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public long TenantId { get; set; }
                public long Id { get; set; }
                public int Quantity { get; set; }
                public short Rank { get; set; }
                public decimal Total { get; set; }
                public double Weight { get; set; }
                public bool Paid { get; set; }
                public string Note { get; set; } = "";
                public string? Comment { get; set; }
                public Guid Reference { get; set; }
                public DateTime CreatedAt { get; set; }
                public DateTimeOffset? ShippedAt { get; set; }
                public DateOnly Day { get; set; }
                public TimeOnly? At { get; set; }
                public TimeSpan Duration { get; set; }
                public byte[] Payload { get; set; } = [];
                public Status Status { get; set; }
                [NotMapped] public List<string> Tags { get; set; } = [];
            }
            """);
    }
}
