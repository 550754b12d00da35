using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0002: a distribution key is int, long, string or Guid.</summary>
public sealed class SG0002Tests
{
    [Fact]
    public async Task A_DateTime_key_is_underlined_on_the_key_argument()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed({|SG0002:nameof(Day)|})]
            public sealed record Order(DateTime Day, long Id);
            """);
    }

    [Fact]
    public async Task An_enum_key_is_refused_although_it_is_stored_as_an_integer()
    {
        await Verifier.VerifyAsync(Usings + """
            public enum Region { Eu, Us }

            [Distributed({|SG0002:nameof(Region)|})]
            public sealed record Order(Region Region, long Id);
            """);
    }

    [Fact]
    public async Task A_decimal_key_is_refused()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed({|SG0002:nameof(AccountNumber)|})]
            public sealed class Account
            {
                public decimal AccountNumber { get; set; }
                public long Id { get; set; }
            }
            """);
    }

    [Fact]
    public async Task The_message_names_the_key_and_its_type()
    {
        await SingleAsync(Usings + """
            [Distributed(nameof(Day))]
            public sealed record Order(DateTime Day, long Id);
            """, "SG0002", "'Day'", "'Order'", "System.DateTime");
    }

    [Fact]
    public async Task Int_long_string_and_Guid_keys_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Tenant(int TenantId, string Name);

            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [Distributed(nameof(Country))]
            public sealed record Region(string Country, long Id);

            [Distributed(nameof(DeviceId))]
            public sealed record Reading(Guid DeviceId, long Id);
            """);
    }
}
