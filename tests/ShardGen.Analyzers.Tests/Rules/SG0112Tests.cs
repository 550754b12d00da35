using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0112: a write that cannot be routed (INSERT key missing or not a value; RETURNING over several places).</summary>
public sealed class SG0112Tests
{
    [Fact]
    public async Task An_INSERT_without_the_key_is_underlined_on_the_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO {|SG0112:orders|} (id, customer_id, status, total, created_at) VALUES (@id, 1, 'a', 1, now())")]
            public partial Task<int> Bad(long id);
            """));
    }

    [Fact]
    public async Task A_multi_row_INSERT_with_different_keys_is_split_by_key_and_raises_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'a', 1, now()), (@u, 2, 1, 'a', 1, now()), (@t, 3, 1, 'a', 1, now())")]
            public partial Task<int> Split(long t, long u);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (1, 1, 1, 'a', 1, now()), (2, 2, 1, 'a', 1, now()) RETURNING id")]
            public partial Task<List<IdRow>> SplitReturning();
            """));
    }

    [Fact]
    public async Task One_row_of_a_multi_row_INSERT_without_a_routable_key_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'a', 1, now()), ({|SG0112:abs(@t)|}, 2, 1, 'a', 1, now())")]
            public partial Task<int> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_key_computed_by_a_function_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES ({|SG0112:abs(@t) + 1|}, 1, 1, 'a', 1, now())")]
            public partial Task<int> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_key_computed_by_integer_arithmetic_and_casts_is_routed()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t + 1, 1, 1, 'a', 1, now())")]
            public partial Task<int> Computed(long t);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'a', 1, now()), (@t * 2, 2, 1, 'a', 1, now()), ('7'::bigint, 3, 1, 'a', 1, now())")]
            public partial Task<int> SplitByKey(long t);
            """));
    }

    [Fact]
    public async Task RETURNING_on_a_write_that_spans_shards_or_copies_is_underlined_on_the_list()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET status = 'x' WHERE status = 'y' RETURNING {|SG0112:id|}")]
            public partial Task<List<IdRow>> FanOut();

            [Query("DELETE FROM orders WHERE tenant_id = ANY(@ts) RETURNING {|SG0112:id|}")]
            public partial Task<List<IdRow>> SeveralKeys(long[] ts);

            [Query("DELETE FROM countries WHERE id = @id RETURNING {|SG0112:id|}")]
            public partial Task<List<IdRow>> Reference(long id);
            """));
    }

    [Fact]
    public async Task The_messages_name_the_table_and_the_key()
    {
        await SingleAsync(Queries("""
            [Query("INSERT INTO orders (id, customer_id, status, total, created_at) VALUES (@id, 1, 'a', 1, now())")]
            public partial Task<int> Bad(long id);
            """), "SG0112", "distributed table 'orders'", "'tenant_id'");
        await SingleAsync(Queries("""
            [Query("UPDATE orders SET status = 'x' WHERE status = 'y' RETURNING id")]
            public partial Task<List<IdRow>> Bad();
            """), "SG0112", "RETURNING", "pin the write to one distribution key");
    }

    [Fact]
    public async Task Writes_routed_to_one_key_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'a', 1, now()), (@t, 2, 1, 'a', 1, now())")]
            public partial Task<int> TwoRowsOneKey(long t);

            [Query("INSERT INTO orders VALUES (42, @id, 1, 'a', 1, now())")]
            public partial Task<int> LiteralKeyWithoutColumnList(long id);

            [Query("UPDATE orders SET status = 'x' WHERE tenant_id = @t AND id = @id RETURNING id")]
            public partial Task<IdRow?> Returning(long t, long id);

            [Query("INSERT INTO countries (id, code, name) VALUES (@id, 'NL', 'Netherlands')")]
            public partial Task Reference(long id);
            """));
    }

    [Fact]
    public async Task INSERT_SELECT_into_a_distributed_table_must_take_the_key_from_a_colocated_key()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO customers (tenant_id, id, name, country_code) SELECT {|SG0112:customer_id|}, id, status, 'DE' FROM orders WHERE tenant_id = @t")]
            public partial Task<int> KeyFromAnotherColumn(long t);

            [Query("INSERT INTO customers (tenant_id, id, name, country_code) SELECT {|SG0112:id|}, id, code, code FROM countries")]
            public partial Task<int> FromAReferenceTable();

            [Query("INSERT INTO customers (tenant_id, id, name, country_code) SELECT tenant_id, id, status, 'DE' FROM orders WHERE tenant_id = @t")]
            public partial Task<int> PinnedToOneKey(long t);

            [Query("INSERT INTO {|SG0120:customers|} (tenant_id, id, name, country_code) SELECT tenant_id, customer_id, max(status), 'DE' FROM orders GROUP BY tenant_id, customer_id ON CONFLICT (tenant_id, id) DO NOTHING")]
            public partial Task<int> OverAllShards();

            [Query("INSERT INTO countries (id, code, name) SELECT id + 100, code, name FROM countries WHERE code = @code")]
            public partial Task<int> ReferenceFromReference(string code);

            [Query("INSERT INTO countries (id, code, name) SELECT id, status, status FROM {|SG0112:orders|} WHERE tenant_id = @t")]
            public partial Task<int> ReferenceFromDistributed(long t);
            """));
    }

    [Fact]
    public async Task A_write_to_a_reference_table_reading_a_distributed_one_in_a_subquery_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("DELETE FROM countries WHERE id IN (SELECT customer_id FROM {|SG0112:orders|} WHERE tenant_id = @t)")]
            public partial Task<int> Bad(long t);

            [Query("DELETE FROM countries WHERE id IN (SELECT id FROM countries WHERE code = 'XX')")]
            public partial Task<int> ReferenceOnly();
            """));
    }
}
