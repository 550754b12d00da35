using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0100: the SQL does not parse; underlined on the offending token.</summary>
public sealed class SG0100Tests
{
    [Fact]
    public async Task An_unexpected_token_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = {|SG0100:=|} @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_missing_expression_at_the_end_is_an_empty_span_before_the_closing_quote()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND{|SG0100:|}")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task An_unterminated_string_constant_is_underlined_to_the_end()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE status = {|SG0100:'open AND tenant_id = @t|}")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_misspelt_keyword_is_reported_on_the_token_after_it()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FORM {|SG0100:orders|} WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task An_INSERT_row_with_too_few_values_is_underlined_on_the_row()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO orders (tenant_id, id) VALUES {|SG0100:(@t)|}")]
            public partial Task<int> Bad(long t);
            """));
    }

    [Fact]
    public async Task An_empty_query()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("{|SG0100:|}")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task The_message_quotes_the_tokens()
    {
        await SingleAsync(Queries("""
            [Query("SELECT id, FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0100", "Expected an expression after ','", "'FROM'");
    }

    [Fact]
    public async Task The_same_queries_written_correctly_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND status = 'open'")]
            public partial Task<List<IdRow>> Good(long t);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, @id, 1, 'it''s', 0, now())")]
            public partial Task<int> Insert(long t, long id);
            """));
    }

    [Fact]
    public async Task FILTER_on_a_function_that_is_not_an_aggregate_is_underlined_on_the_call()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0100:lower(status) FILTER (WHERE total > 5)|} AS status FROM orders WHERE tenant_id = @t")]
            public partial Task<List<StatusCount>> Bad(long t);
            """));
    }
}
