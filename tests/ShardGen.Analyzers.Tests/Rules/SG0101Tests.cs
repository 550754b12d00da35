using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0101: valid PostgreSQL outside the subset ShardGen plans; underlined on the construct.</summary>
public sealed class SG0101Tests
{
    [Fact]
    public async Task WITH_RECURSIVE_runs_pinned_to_one_key_and_is_underlined_on_the_CTE_over_several_shards()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("WITH RECURSIVE o AS (SELECT id FROM orders WHERE tenant_id = @t UNION ALL SELECT x.id FROM orders x JOIN o ON x.id = o.id + 1 WHERE x.tenant_id = @t) SELECT id FROM o")]
            public partial Task<List<IdRow>> Pinned(long t);

            [Query("WITH RECURSIVE {|SG0101:o AS (SELECT id FROM orders)|} SELECT id FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task WITH_before_a_write_runs_pinned_to_one_key_and_is_underlined_over_several_shards()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("WITH c AS (SELECT id FROM countries) DELETE FROM orders WHERE tenant_id = @t AND customer_id IN (SELECT id FROM c)")]
            public partial Task<int> Pinned(long t);

            [Query("WITH {|SG0101:c AS (SELECT id FROM countries)|} DELETE FROM orders WHERE customer_id IN (SELECT id FROM c)")]
            public partial Task<int> EveryShard();
            """));
    }

    [Fact]
    public async Task UNION_over_several_shards_is_underlined_on_the_operator()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t {|SG0101:UNION|} SELECT id FROM customers WHERE tenant_id = @u")]
            public partial Task<List<IdRow>> UnionOfTwoKeys(long t, long u);

            [Query("SELECT id FROM orders UNION ALL {|SG0101:SELECT id FROM countries|}")]
            public partial Task<List<IdRow>> UnionAllWithAReferenceBranch();

            [Query("SELECT id FROM orders UNION ALL {|SG0101:SELECT DISTINCT id FROM customers|}")]
            public partial Task<List<IdRow>> UnionAllWithADistinctBranch();

            [Query("SELECT id FROM {|SG0120:orders|} WHERE tenant_id = @t UNION ALL SELECT id FROM customers ORDER BY id LIMIT 10")]
            public partial Task<List<IdRow>> UnionAllOverAllShards(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = @t UNION ALL SELECT id FROM customers WHERE tenant_id = @t ORDER BY id LIMIT 5")]
            public partial Task<List<IdRow>> OnOneKey(long t);

            [Query("SELECT id FROM countries UNION SELECT id FROM countries WHERE code = 'DE'")]
            public partial Task<List<IdRow>> ReferenceOnly();
            """));
    }

    [Fact]
    public async Task Subqueries_outside_the_subset_are_underlined_with_their_parentheses()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND customer_id IN {|SG0101:(VALUES (1), (2))|}")]
            public partial Task<List<IdRow>> Values(long t);

            [Query("SELECT o.id FROM orders o JOIN {|SG0101:({|SG0101:VALUES (1), (2)|}) v(k)|} ON v.k = o.customer_id")]
            public partial Task<List<IdRow>> FromValuesOverEveryShard();

            [Query("UPDATE orders SET status = 'x' WHERE tenant_id = @t RETURNING {|SG0101:(SELECT max(id) FROM customers WHERE tenant_id = @t)|} AS id")]
            public partial Task<List<IdRow>> InReturning(long t);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, {|SG0101:(SELECT max(id) + 1 FROM orders WHERE tenant_id = @t)|}, 1, 'a', 1, now())")]
            public partial Task<int> InValues(long t);
            """));
    }

    [Fact]
    public async Task Positional_and_colon_parameters_are_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = {|SG0101:$1|}")]
            public partial Task<List<IdRow>> Dollar(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = {|SG0101::t|}")]
            public partial Task<List<IdRow>> Colon(long t);
            """));
    }

    [Fact]
    public async Task Other_constructs_of_the_list()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE status = 'open' {|SG0101:FOR UPDATE|}")]
            public partial Task<List<IdRow>> LockingOverEveryShard();

            [Query("SELECT id FROM orders WHERE tenant_id = @t FOR UPDATE")]
            public partial Task<List<IdRow>> LockingPinned(long t);

            [Query("SELECT count(*) AS id FROM orders GROUP BY {|SG0101:ROLLUP (status)|}")]
            public partial Task<List<IdRow>> RollupOverEveryShard();

            [Query("SELECT {|SG0101:percentile_cont(0.5) WITHIN GROUP (ORDER BY total)|} AS id FROM orders")]
            public partial Task<List<IdRow>> OrderedSetOverEveryShard();

            [Query("SELECT o.id FROM orders o, {|SG0101:LATERAL unnest(ARRAY[o.customer_id]) AS u(c)|}")]
            public partial Task<List<IdRow>> FunctionInFromOverEveryShard();

            [Query("SELECT id FROM orders WHERE tenant_id = @t; {|SG0101:SELECT 1|}")]
            public partial Task<List<IdRow>> TwoStatements(long t);

            """));
    }

    [Fact]
    public async Task A_volatile_function_in_a_write_to_shards_or_copies_is_underlined_on_the_call()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET total = {|SG0101:random()|} WHERE tenant_id = @t")]
            public partial Task<int> DistributedSet(long t);

            [Query("DELETE FROM countries WHERE id < {|SG0101:random()|} * 100")]
            public partial Task<int> ReferenceWhere();
            """));
    }

    [Fact]
    public async Task One_query_reports_every_construct_it_uses()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id {|SG0101:INTO archive|} FROM orders WHERE tenant_id = {|SG0101:$1|}")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task The_message_names_the_construct_and_what_to_do()
    {
        await SingleAsync(Queries("""
            [Query("WITH RECURSIVE o AS (SELECT id FROM orders) SELECT id FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0101", "is recursive (WITH RECURSIVE)", "Pin every distributed table it reads to the statement's key");
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = $1")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0101", "($1)", "@name");
    }

    [Fact]
    public async Task A_UNION_ALL_branch_pinned_to_one_key_that_aggregates_without_GROUP_BY_says_why()
    {
        // Pinned branches may remove duplicates, group and window (their rows are on one shard), but an aggregate
        // without GROUP BY returns a row from every shard the statement runs on.
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT DISTINCT id FROM orders WHERE tenant_id = @a UNION ALL SELECT count(*) FROM orders WHERE tenant_id = @b GROUP BY status")]
            public partial Task<List<IdRow>> Fine(long a, long b);
            """));
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @a UNION ALL SELECT count(*) FROM orders WHERE tenant_id = @b")]
            public partial Task<List<IdRow>> Bad(long a, long b);
            """), "SG0101", "aggregates without GROUP BY, so every shard the statement runs on would return a row");
    }

    [Fact]
    public async Task UPDATE_FROM_and_DELETE_USING_over_several_shards_run_per_shard_over_colocated_and_reference_tables()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE {|SG0120:orders|} o SET status = c.name FROM customers c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id")]
            public partial Task<int> Colocated();

            [Query("DELETE FROM orders o USING customers c JOIN countries k ON k.code = c.country_code WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id AND k.name = 'x' AND o.tenant_id IN (1, 2)")]
            public partial Task<int> ColocatedAndReference();

            [Query("UPDATE {|SG0120:orders|} o SET status = k.name FROM countries k WHERE k.id = o.customer_id")]
            public partial Task<int> Reference();
            """));
    }

    [Fact]
    public async Task UPDATE_FROM_with_an_outer_join_or_a_subquery_over_several_shards_still_runs_only_pinned()
    {
        await SingleAsync(Queries("""
            [Query("UPDATE orders o SET status = 'x' FROM customers c LEFT JOIN countries k ON k.code = c.country_code WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id AND k.id IS NULL")]
            public partial Task<int> Outer();
            """), "SG0101", "UPDATE ... FROM only in a statement that runs whole on one node", "over several shards");
        await SingleAsync(Queries("""
            [Query("DELETE FROM orders o USING (SELECT tenant_id, id FROM customers) c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id")]
            public partial Task<int> Derived();
            """), "SG0101", "DELETE ... USING only in a statement that runs whole on one node");
    }

    [Fact]
    public async Task UNION_ALL_in_a_FROM_subquery_runs_pinned_or_partitioned_by_the_key_and_otherwise_says_why()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM (SELECT id FROM orders WHERE tenant_id = @t UNION ALL SELECT id FROM customers WHERE tenant_id = @t) u")]
            public partial Task<List<IdRow>> Pinned(long t);

            [Query("SELECT id FROM {|SG0120:(SELECT tenant_id, id FROM orders UNION ALL SELECT tenant_id, id FROM customers)|} u")]
            public partial Task<List<IdRow>> EveryShard();
            """));
        await SingleAsync(Queries("""
            [Query("SELECT id FROM (SELECT tenant_id, id FROM orders UNION ALL SELECT id, tenant_id FROM customers) u")]
            public partial Task<List<IdRow>> Bad();
            """), "SG0107", "Subquery 'u' in FROM is a set operation", "branch 2 selects the distribution key at another position", "every branch selects the distribution key at the same position");
    }

    [Fact]
    public async Task A_set_operation_in_an_expression_subquery_over_several_shards_is_underlined_on_its_operator()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND id IN (SELECT id FROM customers WHERE tenant_id = @t UNION SELECT customer_id FROM orders WHERE tenant_id = @t)")]
            public partial Task<List<IdRow>> Pinned(long t);

            [Query("SELECT id FROM orders WHERE tenant_id IN (SELECT tenant_id FROM customers {|SG0101:UNION|} SELECT tenant_id FROM orders)")]
            public partial Task<List<IdRow>> Bad();
            """));
    }

    [Fact]
    public async Task TABLESAMPLE_and_TABLE_t_inside_a_statement_run_on_one_node_and_are_underlined_over_several_shards()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders TABLESAMPLE BERNOULLI (@p) REPEATABLE (7) WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> SamplePinned(double p, long t);

            [Query("SELECT id FROM orders {|SG0101:TABLESAMPLE SYSTEM (10)|} WHERE total > 5")]
            public partial Task<List<IdRow>> SampleOverEveryShard();

            [Query("TABLE countries")]
            public partial Task<List<Country>> ReferenceTable();

            [Query("SELECT id, code, name FROM countries WHERE id > @id UNION ALL TABLE countries ORDER BY 1")]
            public partial Task<List<Country>> ReferenceBranch(long id);

            [Query("TABLE {|SG0120:orders|}")]
            public partial Task<List<Order>> EveryShard();

            [Query("SELECT tenant_id, id, customer_id, status, total, created_at FROM {|SG0120:orders|} WHERE total > 5 UNION ALL TABLE orders")]
            public partial Task<List<Order>> BranchOverEveryShard();

            [Query("SELECT tenant_id, id, customer_id, status, total, created_at FROM orders WHERE total > 5 {|SG0101:UNION|} TABLE orders")]
            public partial Task<List<Order>> BranchOfAUnion();

            [Query("SELECT * FROM (SELECT tenant_id, id, customer_id, status, total, created_at FROM orders UNION ALL {|SG0101:TABLE orders|}) u")]
            public partial Task<List<Order>> BranchInASubquery();

            [Query("SELECT tenant_id, id, customer_id, status, total, created_at FROM {|SG0120:orders|} WHERE total > 5 UNION ALL SELECT * FROM orders")]
            public partial Task<List<Order>> BranchRewritten();

            [Query("SELECT * FROM {|SG0120:(SELECT * FROM orders)|} o WHERE o.total > 5")]
            public partial Task<List<Order>> SubqueryRewritten();
            """));
        await SingleAsync(Queries("""
            [Query("SELECT * FROM (TABLE orders) o WHERE o.total > 5")]
            public partial Task<List<Order>> Bad();
            """), "SG0101", "ShardGen runs TABLE t inside another statement (over several shards write SELECT * FROM t) only in a statement that runs whole on one node");
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders TABLESAMPLE SYSTEM_ROWS (10)")]
            public partial Task<List<IdRow>> Bad();
            """), "SG0101", "TABLESAMPLE (over several shards each shard would sample its own rows", "REPEATABLE would not repeat", "pin every distributed table to one key");
    }

    [Fact]
    public async Task Locking_over_several_shards_says_what_would_run_it_not_that_transactions_are_missing()
    {
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE status = 'open' FOR UPDATE")]
            public partial Task<List<IdRow>> Bad();
            """), "SG0101", "FOR UPDATE/SHARE only in a statement that runs whole on one node", "pin every distributed table to one key");
    }

    [Fact]
    public async Task The_supported_rewrites_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Joined(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND customer_id = ANY(@customers)")]
            public partial Task<List<IdRow>> AnyList(long t, long[] customers);

            [Query("SELECT count(CASE WHEN status = 'x' THEN 1 END) FROM orders WHERE tenant_id = @t")]
            public partial Task<long> Conditional(long t);

            [Query("UPDATE orders SET total = @total, created_at = now() WHERE tenant_id = @t")]
            public partial Task<int> StableFunction(long t, decimal total);

            [Query("UPDATE audit_entries SET message = gen_random_uuid()::text WHERE id = @id")]
            public partial Task<int> VolatileOnTheCoordinatorOnly(long id);

            [Query("WITH mine AS (SELECT id, status FROM orders WHERE tenant_id = @t) SELECT id, status FROM mine WHERE status <> 'x'")]
            public partial Task<List<OrderRow>> CteOnOneKey(long t);

            [Query("SELECT id FROM orders o WHERE tenant_id = @t AND EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = @t AND c.id = o.customer_id)")]
            public partial Task<List<IdRow>> ExistsOnOneKey(long t);

            [Query("SELECT o.id FROM {|SG0120:orders|} o WHERE o.customer_id IN (SELECT c.id FROM customers c WHERE c.tenant_id = o.tenant_id AND c.name = @name)")]
            public partial Task<List<IdRow>> CorrelatedOnTheKey(string name);

            [Query("SELECT id FROM {|SG0120:orders|} WHERE tenant_id IN (SELECT tenant_id FROM customers WHERE country_code = 'DE') AND total > (SELECT avg(total) FROM orders x WHERE x.tenant_id = orders.tenant_id)")]
            public partial Task<List<IdRow>> InOnTheKeyAndScalarOnTheKey();

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND customer_id IN (SELECT id FROM countries WHERE code = 'DE')")]
            public partial Task<List<IdRow>> OverAReferenceTable(long t);

            [Query("SELECT rank() OVER (PARTITION BY customer_id ORDER BY total DESC) AS id FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> WindowOnOneKey(long t);

            [Query("SELECT row_number() OVER (PARTITION BY tenant_id ORDER BY total DESC) AS id FROM {|SG0120:orders|}")]
            public partial Task<List<IdRow>> WindowPartitionedByTheKey();

            [Query("SELECT count(*) FILTER (WHERE status = 'x') FROM orders WHERE tenant_id = @t")]
            public partial Task<long> FilterOnOneKey(long t);

            [Query("DELETE FROM orders WHERE tenant_id = @t AND customer_id IN (SELECT id FROM customers WHERE tenant_id = @t AND name = 'x')")]
            public partial Task<int> DeleteWithASubqueryOnOneKey(long t);

            [Query("UPDATE {|SG0120:orders|} SET status = 'vip' WHERE EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = orders.tenant_id AND c.id = orders.customer_id)")]
            public partial Task<int> UpdateWithASubqueryOnTheKey();

            [Query("SELECT DISTINCT ON (status) id FROM orders WHERE tenant_id = @t ORDER BY status, total DESC")]
            public partial Task<List<IdRow>> DistinctOnOneKey(long t);

            [Query("SELECT DISTINCT ON (tenant_id) id FROM {|SG0120:orders|} ORDER BY tenant_id, total DESC")]
            public partial Task<List<IdRow>> DistinctOnTheKeyOverAllShards();

            [Query("SELECT count(*) FILTER (WHERE status = 'x') FROM {|SG0120:orders|}")]
            public partial Task<long> FilterOverAllShards();

            [Query("SELECT id FROM (SELECT id, tenant_id FROM orders) x WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> FromSubqueryOnOneKey(long t);

            [Query("SELECT c.id FROM {|SG0120:customers|} c JOIN (SELECT tenant_id, customer_id, count(*) AS n FROM orders GROUP BY tenant_id, customer_id) x ON x.tenant_id = c.tenant_id AND x.customer_id = c.id WHERE x.n > 3")]
            public partial Task<List<IdRow>> FromSubqueryPartitionedByTheKey();

            [Query("WITH per_tenant AS (SELECT tenant_id, count(*) AS n FROM orders GROUP BY tenant_id) SELECT count(*) FROM {|SG0120:per_tenant|} WHERE n > 10")]
            public partial Task<long> CommonTableExpressionPartitionedByTheKey();

            [Query("WITH c AS (SELECT id FROM countries) SELECT o.id FROM {|SG0120:orders|} o JOIN c ON c.id = o.customer_id")]
            public partial Task<List<IdRow>> ReferenceCommonTableExpressionOverAllShards();
            """));
    }

    [Fact]
    public async Task Row_values_and_PostgreSQL_operators_raise_nothing_where_each_shard_evaluates_them()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND (created_at, id) < (@at, @id) ORDER BY created_at, id LIMIT 20")]
            public partial Task<List<IdRow>> NextPage(long t, DateTimeOffset at, long id);

            [Query("SELECT id FROM {|SG0120:orders|} WHERE ROW(status, id) = ROW('x', 1) AND status ~* '^p' AND jsonb_build_object('a', 1) ? 'a'")]
            public partial Task<List<IdRow>> EveryShard();
            """));
    }
}
