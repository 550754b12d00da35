using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0011: a column, table or repository name taken twice.</summary>
public sealed class SG0011Tests
{
    [Fact]
    public async Task Two_properties_mapping_to_one_column_are_underlined_on_the_second()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public long TenantId { get; set; }
                public long Id { get; set; }
                [Column("status")] public string State { get; set; } = "";
                public string {|SG0011:Status|} { get; set; } = "";
            }
            """);
    }

    [Fact]
    public async Task A_table_name_taken_by_another_type_is_underlined_on_the_later_types_attribute()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [{|SG0011:Distributed(nameof(TenantId), Table = "orders")|}]
            public sealed record Purchase(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task Two_types_of_one_name_in_different_namespaces_clash_on_the_repository_name()
    {
        // B.Order's table (b_orders) comes first by name and keeps the repository name Orders.
        await Verifier.VerifyAsync(Usings + """
            namespace A
            {
                [{|SG0011:Distributed(nameof(TenantId))|}]
                public sealed record Order(long TenantId, long Id);
            }

            namespace B
            {
                [Distributed(nameof(TenantId), Table = "b_orders")]
                public sealed record Order(long TenantId, long Id);
            }
            """);
    }

    [Fact]
    public async Task The_messages_name_the_column_the_table_and_the_repository()
    {
        await SingleAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public long TenantId { get; set; }
                public long Id { get; set; }
                [Column("status")] public string State { get; set; } = "";
                public string Status { get; set; } = "";
            }
            """, "SG0011", "'Order'", "'status'", "[Column]");
        await SingleAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [Distributed(nameof(TenantId), Table = "orders")]
            public sealed record Purchase(long TenantId, long Id);
            """, "SG0011", "'orders'", "'Purchase'");
        await SingleAsync(Usings + """
            namespace A { [Distributed(nameof(TenantId))] public sealed record Order(long TenantId, long Id); }
            namespace B { [Distributed(nameof(TenantId), Table = "b_orders")] public sealed record Order(long TenantId, long Id); }
            """, "SG0011", "'Orders'", "'Order'");
    }

    [Fact]
    public async Task Distinct_names_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public long TenantId { get; set; }
                public long Id { get; set; }
                [Column("state")] public string State { get; set; } = "";
                public string Status { get; set; } = "";
            }

            [Distributed(nameof(TenantId), Table = "purchases")]
            public sealed record Purchase(long TenantId, long Id);
            """);
    }
}
