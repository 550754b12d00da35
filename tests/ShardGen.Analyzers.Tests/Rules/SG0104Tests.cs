using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0104: an @name with no method parameter of that name; underlined on the @name.</summary>
public sealed class SG0104Tests
{
    [Fact]
    public async Task A_misnamed_parameter_is_underlined_with_its_at_sign()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = {|SG0104:@tenant|}")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_CancellationToken_is_no_query_parameter()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM countries WHERE id = {|SG0104:@ct|}")]
            public partial Task<List<IdRow>> Bad(CancellationToken ct);
            """));
    }

    [Fact]
    public async Task Parameters_in_writes_and_LIMIT_are_checked()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET status = {|SG0104:@state|} WHERE tenant_id = @t")]
            public partial Task<int> Update(long t, string status);

            [Query("SELECT id FROM orders WHERE tenant_id = @t ORDER BY id LIMIT {|SG0104:@limit|}")]
            public partial Task<List<IdRow>> Limit(long t, int take);
            """));
    }

    [Fact]
    public async Task The_message_names_the_parameter_and_the_methods_parameters()
    {
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @tenant AND status = @status")]
            public partial Task<List<IdRow>> Bad(long t, string status);
            """), "SG0104", "'Bad'", "'tenant'", "it has t, status");
    }

    [Fact]
    public async Task Parameters_bind_by_exact_name_or_ignoring_case()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @tenantId AND status = @Status")]
            public partial Task<List<IdRow>> Good(long tenantId, string status, CancellationToken ct = default);
            """));
    }
}
