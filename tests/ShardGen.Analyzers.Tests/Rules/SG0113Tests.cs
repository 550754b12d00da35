using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0113: the result does not map onto the method's result type; underlined on the column or the select list.</summary>
public sealed class SG0113Tests
{
    [Fact]
    public async Task A_column_without_a_property_is_underlined_on_the_column()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id, status, {|SG0113:total|} FROM orders WHERE tenant_id = @t")]
            public partial Task<List<OrderRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_scalar_result_with_two_columns_is_underlined_on_the_select_list()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0113:id, status|} FROM orders WHERE tenant_id = @t AND id = @id")]
            public partial Task<long> Bad(long t, long id);
            """));
    }

    [Fact]
    public async Task A_constructor_parameter_without_a_column_is_underlined_on_the_select_list()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0113:id|} FROM orders WHERE tenant_id = @t")]
            public partial Task<List<OrderRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task Two_columns_for_one_property_are_underlined_on_the_second()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id, {|SG0113:id|} FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_star_and_RETURNING_lists_are_mapped_too()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0113:*|} FROM orders WHERE tenant_id = @t")]
            public partial Task<List<OrderRow>> Star(long t);

            [Query("UPDATE orders SET status = 'x' WHERE tenant_id = @t AND id = 1 RETURNING id, {|SG0113:total|}")]
            public partial Task<OrderRow?> Returning(long t);
            """));
    }

    [Fact]
    public async Task The_messages_name_the_column_and_the_result_type()
    {
        await SingleAsync(Queries("""
            [Query("SELECT id, status, total FROM orders WHERE tenant_id = @t")]
            public partial Task<List<OrderRow>> Bad(long t);
            """), "SG0113", "Column 'total'", "OrderRow");
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t")]
            public partial Task<List<OrderRow>> Bad(long t);
            """), "SG0113", "'Status'", "constructor of OrderRow");
        await SingleAsync(Queries("""
            [Query("SELECT id, status FROM orders WHERE tenant_id = @t AND id = @id")]
            public partial Task<long> Bad(long t, long id);
            """), "SG0113", "'Bad' returns a single value", "2 columns");
    }

    [Fact]
    public async Task Results_that_map_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT * FROM orders WHERE tenant_id = @t")]
            public partial Task<List<Order>> Rows(long t);

            [Query("SELECT id, upper(status) AS status FROM orders WHERE tenant_id = @t")]
            public partial Task<List<OrderRow>> Aliased(long t);

            [Query("SELECT status, count(*) FROM orders WHERE tenant_id = @t GROUP BY status")]
            public partial Task<List<StatusCount>> FunctionName(long t);

            [Query("SELECT count(*) FROM orders WHERE tenant_id = @t")]
            public partial Task<long> Scalar(long t);

            [Query("SELECT status FROM orders WHERE tenant_id = @t")]
            public partial IAsyncEnumerable<string> Stream(long t);

            [Query("UPDATE orders SET status = 'x' WHERE tenant_id = @t AND id = 1 RETURNING id, status")]
            public partial Task<OrderRow?> Returning(long t);
            """));
    }
}
