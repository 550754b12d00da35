using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0105: a parameter whose type does not compare with its column, cannot be sent, or cannot route; underlined on the @name.</summary>
public sealed class SG0105Tests
{
    [Fact]
    public async Task A_comparison_is_checked_in_both_directions()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND status = {|SG0105:@s|}")]
            public partial Task<List<IdRow>> ColumnFirst(long t, long s);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND {|SG0105:@s|} = status")]
            public partial Task<List<IdRow>> ParameterFirst(long t, long s);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND status LIKE {|SG0105:@s|}")]
            public partial Task<List<IdRow>> Like(long t, long s);
            """));
    }

    [Fact]
    public async Task IN_and_BETWEEN_items_are_checked_one_by_one()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND status IN (@a, {|SG0105:@b|})")]
            public partial Task<List<IdRow>> In(long t, string a, int b);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND created_at BETWEEN @from AND {|SG0105:@to|}")]
            public partial Task<List<IdRow>> Between(long t, DateTimeOffset from, string to);
            """));
    }

    [Fact]
    public async Task SET_and_INSERT_values_are_checked_against_their_column()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET total = {|SG0105:@total|} WHERE tenant_id = @t AND id = @id")]
            public partial Task<int> Set(long t, long id, string total);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, @id, 1, {|SG0105:@status|}, 0, now())")]
            public partial Task<int> Insert(long t, long id, bool status);
            """));
    }

    [Fact]
    public async Task Lists_unsupported_types_and_nullable_routing_keys_are_refused()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = {|SG0105:@ids|}")]
            public partial Task<List<IdRow>> ListWithoutAny(long[] ids);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND id = ANY({|SG0105:@ids|})")]
            public partial Task<List<IdRow>> ListOfOtherType(long t, string[] ids);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND status = {|SG0105:@s|}")]
            public partial Task<List<IdRow>> Unsendable(long t, object s);

            [Query("SELECT id FROM orders WHERE tenant_id = {|SG0105:@t|}")]
            public partial Task<List<IdRow>> NullableKey(long? t);
            """));
    }

    [Fact]
    public async Task The_message_names_the_parameter_the_column_and_both_types()
    {
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND status = @s")]
            public partial Task<List<IdRow>> Bad(long t, long s);
            """), "SG0105", "Parameter 's' is long", "column 'status' is text");
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long? t);
            """), "SG0105", "'t'", "cannot be nullable");
    }

    [Fact]
    public async Task Types_that_compare_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND total > @min AND created_at < @before AND status = @status")]
            public partial Task<List<IdRow>> Comparable(int t, int min, DateTime before, string? status);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND id = ANY(@ids)")]
            public partial Task<List<IdRow>> AnyOfList(long t, IReadOnlyList<long> ids);

            [Query("UPDATE orders SET total = @total, status = @status WHERE tenant_id = @t AND id = @id")]
            public partial Task<int> Set(long t, long id, decimal total, string status);
            """));
    }
}
