using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0103: an unknown or ambiguous column; underlined on the column reference.</summary>
public sealed class SG0103Tests
{
    [Fact]
    public async Task An_unknown_column_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND {|SG0103:state|} = 'open'")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_window_no_WINDOW_clause_defines_is_underlined_on_the_call()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0103:row_number() OVER w|} AS id FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);

            [Query("SELECT row_number() OVER w AS id FROM orders WHERE tenant_id = @t WINDOW w AS (ORDER BY id)")]
            public partial Task<List<IdRow>> Good(long t);

            [Query("SELECT row_number() OVER w2 AS id FROM orders WHERE tenant_id = @t WINDOW {|SG0103:w2 AS (w1 ORDER BY id)|}, w1 AS (PARTITION BY status)")]
            public partial Task<List<IdRow>> DefinedAfter(long t);

            [Query("SELECT row_number() OVER (w2 ORDER BY id) AS id FROM orders WHERE tenant_id = @t WINDOW {|SG0103:w2 AS (w1)|}")]
            public partial Task<List<IdRow>> BuiltOnNothing(long t);
            """));
    }

    [Fact]
    public async Task A_window_copy_PostgreSQL_refuses_is_underlined_with_its_reason()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0100:row_number() OVER (w PARTITION BY id)|} AS id FROM orders WHERE tenant_id = @t WINDOW w AS (ORDER BY id)")]
            public partial Task<List<IdRow>> PartitionOverridden(long t);

            [Query("SELECT row_number() OVER w2 AS id FROM orders WINDOW w1 AS (PARTITION BY tenant_id ORDER BY id), {|SG0100:w2 AS (w1 ORDER BY total)|}")]
            public partial Task<List<IdRow>> OrderOverridden();

            [Query("SELECT {|SG0100:count(*) OVER (w)|} AS id FROM orders WHERE tenant_id = @t WINDOW w AS (ORDER BY id ROWS 2 PRECEDING)")]
            public partial Task<List<IdRow>> FrameCopied(long t);

            [Query("SELECT count(*) OVER w AS id FROM orders WHERE tenant_id = @t WINDOW w AS (ORDER BY id ROWS 2 PRECEDING), {|SG0100:w AS (ORDER BY total)|}")]
            public partial Task<List<IdRow>> DefinedTwice(long t);
            """));
        await SingleAsync(Queries("""
            [Query("SELECT count(*) OVER (w ORDER BY id) AS id FROM orders WHERE tenant_id = @t WINDOW w AS (PARTITION BY status ROWS 2 PRECEDING)")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0100", "'w' has a frame clause, so PostgreSQL refuses to copy it");
    }

    [Fact]
    public async Task An_ambiguous_column_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0103:id|} FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task Qualified_columns_of_unknown_tables_or_missing_columns_are_underlined_whole()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o WHERE {|SG0103:x.tenant_id|} = @t")]
            public partial Task<List<IdRow>> UnknownQualifier(long t);

            [Query("SELECT {|SG0103:o.nope|} AS id FROM orders o WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> UnknownColumn(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = @t ORDER BY {|SG0103:createdat|}")]
            public partial Task<List<IdRow>> InOrderBy(long t);
            """));
    }

    [Fact]
    public async Task Columns_of_writes_are_checked()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO orders (tenant_id, id, {|SG0103:state|}) VALUES (@t, 1, 'x')")]
            public partial Task<int> Insert(long t);

            [Query("UPDATE orders SET {|SG0103:state|} = 'x' WHERE tenant_id = @t")]
            public partial Task<int> Update(long t);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'a', 1, now()) ON CONFLICT (tenant_id, id) DO UPDATE SET status = {|SG0103:excluded.state|}")]
            public partial Task<int> Upsert(long t);
            """));
    }

    [Fact]
    public async Task A_regular_literal_with_escape_sequences_maps_the_span_past_them()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id\tFROM orders\r\nWHERE status = '\u00e9t\u00e9' AND {|SG0103:stat|} = 1 AND tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_verbatim_literal_with_doubled_quotes_maps_the_span_past_them()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query(@"SELECT ""id"" FROM orders WHERE {|SG0103:stat|} = 'a' AND tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_single_line_raw_literal_underlines_a_quoted_identifier_with_its_quotes()
    {
        await Verifier.VerifyAsync(Queries(""""
            [Query("""SELECT id FROM orders WHERE {|SG0103:"stat"|} = 'a' AND tenant_id = @t""")]
            public partial Task<List<IdRow>> Bad(long t);
            """"));
    }

    [Fact]
    public async Task A_multi_line_raw_literal_maps_the_span_to_its_line()
    {
        await Verifier.VerifyAsync(Queries(""""
            [Query("""
                SELECT id
                FROM orders
                WHERE {|SG0103:stat|} = 'a'
                  AND tenant_id = @t
                """)]
            public partial Task<List<IdRow>> Bad(long t);
            """"));
    }

    [Fact]
    public async Task The_messages_name_the_column_and_its_candidates()
    {
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND state = 'open'")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0103", "'state'");
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0103", "'id' is ambiguous", "o and c", "Qualify it");
        await SingleAsync(Queries("""
            [Query("UPDATE orders SET state = 'x' WHERE tenant_id = @t")]
            public partial Task<int> Bad(long t);
            """), "SG0103", "Table 'orders' has no column 'state'");
    }

    [Fact]
    public async Task Columns_that_resolve_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries(""""
            [Query("SELECT o.id FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @t ORDER BY c.name")]
            public partial Task<List<IdRow>> Qualified(long t);

            [Query("SELECT id AS n FROM orders WHERE tenant_id = @t ORDER BY n")]
            public partial Task<List<long>> OrderByAlias(long t);

            [Query(@"SELECT ""id"" FROM orders WHERE ""status"" = 'a' AND tenant_id = @t")]
            public partial Task<List<IdRow>> QuotedVerbatim(long t);

            [Query("""
                SELECT id
                FROM orders
                WHERE status = 'a'
                  AND tenant_id = @t
                """)]
            public partial Task<List<IdRow>> Raw(long t);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'a', 1, now()) ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status")]
            public partial Task<int> Upsert(long t);
            """"));
    }
}
