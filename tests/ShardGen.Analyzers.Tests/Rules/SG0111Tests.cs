using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0111: a multi-shard result whose partial results cannot be combined exactly; underlined on the aggregate, expression or clause.</summary>
public sealed class SG0111Tests
{
    [Fact]
    public async Task DISTINCT_inside_an_aggregate_other_than_count_is_underlined_on_the_call()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0111:sum(DISTINCT total)|} FROM orders")]
            public partial Task<decimal?> Bad();
            """));
    }

    [Fact]
    public async Task Aggregates_other_than_count_sum_min_max_avg_and_DISTINCT_inside_them()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0111:string_agg(status, ',')|} FROM orders")]
            public partial Task<string?> StringAgg();

            [Query("SELECT {|SG0111:sum(DISTINCT total)|} FROM orders")]
            public partial Task<decimal> SumDistinct();
            """));
    }

    [Fact]
    public async Task An_expression_over_aggregates_is_underlined_whole()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0111:sum(total) / count(*)|} FROM orders")]
            public partial Task<decimal> Bad();
            """));
    }

    [Fact]
    public async Task HAVING_beyond_comparisons_with_literals_and_parameters()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT status, count(*) AS count FROM orders GROUP BY status HAVING sum(total) > {|SG0111:avg(total) * 2|}")]
            public partial Task<List<StatusCount>> Arithmetic();

            [Query("SELECT status, count(*) AS count FROM orders GROUP BY status HAVING {|SG0111:count(*) BETWEEN 1 AND 5|}")]
            public partial Task<List<StatusCount>> Between();
            """));
    }

    [Fact]
    public async Task LIMIT_and_OFFSET_that_are_not_a_literal_or_a_parameter()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders ORDER BY id LIMIT {|SG0111:10 + 1|}")]
            public partial Task<List<IdRow>> Limit();

            [Query("SELECT id FROM orders ORDER BY id LIMIT 10 OFFSET {|SG0111:@page * 10|}")]
            public partial Task<List<IdRow>> Offset(int page);
            """));
    }

    [Fact]
    public async Task ORDER_BY_that_the_merge_cannot_sort_by()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT DISTINCT status FROM orders ORDER BY {|SG0111:created_at|}")]
            public partial Task<List<string>> DistinctOrderedByHidden();

            [Query("SELECT status, count(*) AS count FROM orders GROUP BY status ORDER BY {|SG0111:max(total) + 1|}")]
            public partial Task<List<StatusCount>> OrderedByExpression();
            """));
    }

    [Fact]
    public async Task A_column_neither_grouped_nor_aggregated()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT status, {|SG0111:id|} FROM orders GROUP BY status")]
            public partial Task<List<OrderRow>> Bad();
            """));
    }

    [Fact]
    public async Task A_window_not_partitioned_by_the_key_is_computed_on_the_coordinator_as_Citus_computes_it()
    {
        // Citus raises no error for it ("could not run distributed query ..." was quoted here once): it computes the window on its coordinator, and so does ShardGen.
        await SingleAsync(Queries("""
            [Query("SELECT rank() OVER (ORDER BY total) AS id FROM orders")]
            public partial Task<List<IdRow>> Ranked();
            """), "SG0122", "window functions not partitioned by the distribution key are computed over all of them", "as Citus computes them on its coordinator");
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT row_number() OVER (ORDER BY total DESC) AS id FROM {|SG0120:{|SG0122:orders|}|}")]
            public partial Task<List<IdRow>> Unpartitioned();

            [Query("SELECT count(*) OVER (PARTITION BY customer_id) AS id FROM {|SG0122:orders|} WHERE tenant_id = ANY(@ts)")]
            public partial Task<List<IdRow>> PartitionedByAnotherColumn(long[] ts);
            """));
    }

    [Fact]
    public async Task A_named_window_is_planned_as_the_same_window_written_inline()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT row_number() OVER w AS id FROM orders WHERE tenant_id = @t WINDOW w AS (ORDER BY id)")]
            public partial Task<List<IdRow>> Pinned(long t);

            [Query("SELECT row_number() OVER w AS id FROM {|SG0120:orders|} WINDOW w AS (PARTITION BY tenant_id ORDER BY id)")]
            public partial Task<List<IdRow>> PartitionedByTheKey();

            [Query("SELECT row_number() OVER (w ORDER BY id) AS id FROM {|SG0120:orders|} WINDOW v AS (PARTITION BY tenant_id), w AS (v)")]
            public partial Task<List<IdRow>> RefinedChainPartitionedByTheKey();

            [Query("SELECT row_number() OVER (w ORDER BY id) AS id FROM {|SG0120:{|SG0122:orders|}|} WINDOW w AS (PARTITION BY status)")]
            public partial Task<List<IdRow>> RefinedOnTheCoordinator();

            [Query("SELECT rank() OVER w AS id FROM {|SG0120:orders|} o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id) WINDOW w AS (PARTITION BY o.tenant_id ORDER BY o.total)")]
            public partial Task<List<IdRow>> PartitionedByTheKeyWithASubquery();

            [Query("SELECT {|SG0111:rank() OVER (w ORDER BY o.total)|} AS id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id) WINDOW w AS (PARTITION BY o.status)")]
            public partial Task<List<IdRow>> NotPartitionedByTheKeyWithASubquery();

            [Query("SELECT status, count(*) AS count FROM orders GROUP BY status {|SG0111:WINDOW w AS (PARTITION BY status)|}")]
            public partial Task<List<StatusCount>> UnusedWindowOverGroupsSpanningShards();

            [Query("SELECT status, count(*) AS count FROM orders WHERE tenant_id = @t GROUP BY status WINDOW w AS (PARTITION BY status)")]
            public partial Task<List<StatusCount>> UnusedWindowPinned(long t);
            """));
    }

    [Fact]
    public async Task A_named_window_not_partitioned_by_the_key_in_a_statement_with_a_subquery_says_which_window_takes_the_key()
    {
        await SingleAsync(Queries("""
            [Query("SELECT rank() OVER (w2 ORDER BY o.total) AS id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id) WINDOW w1 AS (PARTITION BY o.status), w2 AS (w1)")]
            public partial Task<List<IdRow>> Bad();
            """), "SG0111", "only in a SELECT without subqueries or common table expressions", "add the key to the PARTITION BY of window 'w1' (WINDOW w1 AS (PARTITION BY <table>.<key>, ...))");
    }

    [Fact]
    public async Task A_window_not_partitioned_by_the_key_in_a_statement_with_a_subquery_is_refused_with_the_reason()
    {
        var diagnostic = await SingleAsync(Queries("""
            [Query("SELECT rank() OVER (ORDER BY total) AS id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id)")]
            public partial Task<List<IdRow>> Bad();
            """), "SG0111", "brings the rows to the coordinator to compute any other window (as Citus does) only in a SELECT without subqueries");
        Assert.DoesNotContain("could not run distributed query", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_messages_name_the_aggregate_and_what_to_do()
    {
        await SingleAsync(Queries("""
            [Query("SELECT sum(DISTINCT total) FROM orders")]
            public partial Task<decimal?> Bad();
            """), "SG0111", "sum(DISTINCT ...)", "group by the distribution key");
        await SingleAsync(Queries("""
            [Query("SELECT string_agg(status, ',') FROM orders")]
            public partial Task<string?> Bad();
            """), "SG0111", "string_agg(...)", "count, sum, min, max and avg");
    }

    [Fact]
    public async Task Combinable_aggregates_over_every_shard_are_only_noted()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT count(DISTINCT tenant_id) FROM {|SG0120:orders|}")]
            public partial Task<long> Tenants();

            [Query("SELECT count(DISTINCT status) FROM {|SG0120:orders|}")]
            public partial Task<long> Statuses();

            [Query("SELECT status, count(*) AS count FROM {|SG0120:orders|} GROUP BY status HAVING count(*) > @min AND max(total) < 100 ORDER BY status LIMIT @n OFFSET 10")]
            public partial Task<List<StatusCount>> Grouped(long min, int n);

            [Query("SELECT tenant_id AS id FROM {|SG0120:orders|} GROUP BY tenant_id HAVING string_agg(status, ',') LIKE 'a%'")]
            public partial Task<List<IdRow>> GroupedByTheKey();
            """));
    }

    [Fact]
    public async Task The_same_queries_pinned_to_one_key_run_whole_on_its_shard()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT count(DISTINCT status) FROM orders WHERE tenant_id = @t")]
            public partial Task<long> CountDistinct(long t);

            [Query("SELECT sum(total) / count(*) FROM orders WHERE tenant_id = @t")]
            public partial Task<decimal> Ratio(long t);

            [Query("SELECT status, count(*) AS count FROM orders WHERE tenant_id = @t GROUP BY status HAVING sum(total) > avg(total) * 2")]
            public partial Task<List<StatusCount>> Having(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = @t ORDER BY id LIMIT 10 + 1")]
            public partial Task<List<IdRow>> Limit(long t);
            """));
    }

    [Fact]
    public async Task LIMIT_in_a_subquery_over_several_shards_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id IN (SELECT tenant_id FROM customers ORDER BY name {|SG0111:LIMIT 10|})")]
            public partial Task<List<IdRow>> Bad();

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND customer_id IN (SELECT id FROM customers WHERE tenant_id = @t ORDER BY name LIMIT 10)")]
            public partial Task<List<IdRow>> OnOneKey(long t);
            """));
    }

    [Fact]
    public async Task A_window_function_over_several_shards_not_partitioned_by_the_key_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0111:row_number() OVER (ORDER BY total DESC)|} AS id FROM orders o WHERE o.id IN (SELECT c.id FROM customers c WHERE c.tenant_id = o.tenant_id)")]
            public partial Task<List<IdRow>> UnpartitionedWithASubquery();

            [Query("SELECT {|SG0111:rank() OVER (PARTITION BY tenant_id ORDER BY count(*))|} AS id FROM orders GROUP BY status, total")]
            public partial Task<List<IdRow>> OverGroupsThatSpanShards();
            """));
    }

    [Fact]
    public async Task Count_distinct_with_FILTER_over_several_shards_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0111:count(DISTINCT status) FILTER (WHERE total > 5)|} FROM orders")]
            public partial Task<long> Bad();

            [Query("SELECT count(DISTINCT tenant_id) FILTER (WHERE total > 5) FROM {|SG0120:orders|}")]
            public partial Task<long> OfTheKey();

            [Query("SELECT count(DISTINCT status) FILTER (WHERE total > 5) FROM orders WHERE tenant_id = @t")]
            public partial Task<long> OnOneKey(long t);
            """));
    }

    [Fact]
    public async Task DISTINCT_ON_over_several_shards_without_the_key_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT {|SG0111:DISTINCT ON (status)|} id FROM orders ORDER BY status, total DESC")]
            public partial Task<List<IdRow>> WithoutTheKey();

            [Query("SELECT DISTINCT ON (tenant_id) count(*) AS id FROM {|SG0120:orders|} GROUP BY tenant_id, status ORDER BY tenant_id")]
            public partial Task<List<IdRow>> OverGroupsOfTheKey();
            """));
    }

    [Fact]
    public async Task INSERT_SELECT_whose_rows_are_not_partitioned_by_the_key_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO customers (tenant_id, id, name, country_code) SELECT tenant_id, id, status, 'DE' FROM orders ORDER BY total DESC {|SG0111:LIMIT 10|}")]
            public partial Task<int> Limited();
            """));
    }
}
