using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0010: a type that cannot be a table (nested, generic, abstract, file-local, unconstructible, nothing to store, empty name).</summary>
public sealed class SG0010Tests
{
    [Fact]
    public async Task A_nested_type_is_underlined_on_its_attribute()
    {
        await Verifier.VerifyAsync(Usings + """
            public static class Outer
            {
                [{|SG0010:Distributed(nameof(TenantId))|}]
                public sealed record Order(long TenantId, long Id);
            }
            """);
    }

    [Fact]
    public async Task A_generic_type()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0010:Distributed(nameof(TenantId))|}]
            public sealed record Order<T>(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task An_abstract_type()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0010:Reference|}]
            public abstract record Country(long Id, string Name);
            """);
    }

    [Fact]
    public async Task A_file_local_type()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0010:Local|}]
            file sealed record AuditEntry(long Id, string Message);
            """);
    }

    [Fact]
    public async Task An_empty_table_name()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0010:Distributed(nameof(TenantId), Table = "")|}]
            public sealed record Order(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task A_type_with_nothing_to_store()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0010:Reference|}]
            public sealed class Marker
            {
                private long _id;
            }
            """);
    }

    [Fact]
    public async Task A_get_only_property_nothing_can_set()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0010:Distributed(nameof(TenantId))|}]
            public sealed class Order
            {
                public Order(long tenantId) => TenantId = tenantId;

                public long TenantId { get; }

                public long Id { get; }
            }
            """);
    }

    [Fact]
    public async Task The_message_names_the_type_and_what_a_table_type_is()
    {
        await SingleAsync(Usings + """
            public static class Outer
            {
                [Distributed(nameof(TenantId))]
                public sealed record Order(long TenantId, long Id);
            }
            """, "SG0010", "'Order'", "top-level");
        await SingleAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public Order(long tenantId) => TenantId = tenantId;

                public long TenantId { get; }

                public long Id { get; }
            }
            """, "SG0010", "'Order'", "[NotMapped]");
    }

    [Fact]
    public async Task Top_level_constructible_classes_records_and_structs_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            internal sealed record Order(long TenantId, long Id);

            [Reference]
            public record struct Country(long Id, string Name);

            [Local]
            public sealed class AuditEntry
            {
                public long Id { get; init; }
                public string Message { get; set; } = "";
                [NotMapped] public int Length => Message.Length;
            }

            [Distributed(nameof(TenantId))]
            public sealed class Customer
            {
                public Customer(long tenantId, long id)
                {
                    TenantId = tenantId;
                    Id = id;
                }

                public long TenantId { get; }

                public long Id { get; }

                public string Name { get; set; } = "";
            }
            """);
    }
}
