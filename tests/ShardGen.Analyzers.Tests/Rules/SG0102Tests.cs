using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0102: a table (or table name) the model does not have; underlined on the name.</summary>
public sealed class SG0102Tests
{
    [Fact]
    public async Task An_unknown_table_is_underlined_on_its_name()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM {|SG0102:ordres|} o WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_schema_other_than_public_is_underlined_with_the_name()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM {|SG0102:sales.orders|} WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task An_alias_used_twice_is_underlined_on_the_second_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN {|SG0102:customers o|} ON o.tenant_id = o.tenant_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_star_of_an_unknown_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0102:z.*|} FROM orders o WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_constant_is_underlined_inside_the_constants_literal()
    {
        await Verifier.VerifyAsync(TableTypes + """

            public sealed partial class Q
            {
                private const string ById = "SELECT id FROM {|SG0102:ordres|} WHERE tenant_id = @t";

                public ShardedDataSource? Source { get; set; }

                [Query(ById)]
                public partial Task<List<IdRow>> Bad(long t);
            }
            """);
    }

    [Fact]
    public async Task The_message_names_the_table_and_the_tables_of_the_model()
    {
        await SingleAsync(Queries("""
            [Query("SELECT id FROM ordres WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0102", "'ordres'", "audit_entries, countries, customers, orders, readings");
    }

    [Fact]
    public async Task Tables_of_the_model_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM public.orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Qualified(long t);

            [Query("SELECT ID FROM ORDERS WHERE TENANT_ID = @t")]
            public partial Task<List<IdRow>> UpperCase(long t);

            [Query("SELECT o.* FROM orders AS o WHERE o.tenant_id = @t")]
            public partial Task<List<Order>> Star(long t);
            """));
    }
}
