using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0110: a write that sets the distribution key; underlined on the column in SET.</summary>
public sealed class SG0110Tests
{
    [Fact]
    public async Task UPDATE_SET_key_is_underlined_on_the_column()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET {|SG0110:tenant_id|} = @n WHERE tenant_id = @t AND id = @id")]
            public partial Task<int> Move(long t, long id, long n);

            [Query("UPDATE orders SET status = 'x', {|SG0110:tenant_id|} = tenant_id + 1 WHERE tenant_id = @t")]
            public partial Task<int> Shift(long t);
            """));
    }

    [Fact]
    public async Task A_field_or_element_of_the_key_is_underlined_and_those_of_other_columns_run()
    {
        // The planner reads no column's type: status stands for a jsonb, array or composite column (status['a'], status[1], status.f).
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET {|SG0110:tenant_id[1]|} = @t WHERE tenant_id = @t")]
            public partial Task<int> KeyElement(long t);

            [Query("UPDATE orders SET (status, {|SG0110:tenant_id.f|}) = ('x', @t) WHERE tenant_id = @t")]
            public partial Task<int> KeyField(long t);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'a', 1, now()) ON CONFLICT (tenant_id, id) DO UPDATE SET {|SG0110:tenant_id|}[1] = 1")]
            public partial Task<int> KeyElementOnConflict(long t);

            [Query("INSERT INTO orders (id, customer_id, status, total, created_at, {|SG0112:tenant_id[1]|}) VALUES (1, 1, 'a', 1, now(), @t)")]
            public partial Task<int> InsertKeyElement(long t);

            [Query("UPDATE orders SET status[@i] = @tag, status[@i + 1:] = NULL, status.f = 'x' WHERE tenant_id = @t")]
            public partial Task<int> Pinned(int i, string tag, long t);

            [Query("UPDATE {|SG0120:orders|} SET status['a'] = '1' WHERE id > @id")]
            public partial Task<int> EveryShard(long id);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, total, created_at, status[1], status[2]) VALUES (@t, 1, 1, 1, now(), @tag, 'b') ON CONFLICT (tenant_id, id) DO UPDATE SET status[3] = EXCLUDED.status[1]")]
            public partial Task<int> InsertElements(long t, string tag);
            """));
    }

    [Fact]
    public async Task ON_CONFLICT_DO_UPDATE_SET_key_to_another_value()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'a', 1, now()) ON CONFLICT (tenant_id, id) DO UPDATE SET {|SG0110:tenant_id|} = @n")]
            public partial Task<int> Upsert(long t, long n);
            """));
    }

    [Fact]
    public async Task The_message_names_the_key_and_the_table_and_quotes_what_to_do()
    {
        await SingleAsync(Queries("""
            [Query("UPDATE orders SET tenant_id = @n WHERE tenant_id = @t AND id = @id")]
            public partial Task<int> Move(long t, long id, long n);
            """), "SG0110", "'tenant_id'", "'orders'", "Delete it and insert it");
    }

    [Fact]
    public async Task The_key_set_to_another_value_than_the_pinned_one_is_refused_with_that_reason()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET {|SG0110:tenant_id|} = @t + 1 WHERE tenant_id = @t")]
            public partial Task<int> Next(long t);

            [Query("UPDATE orders SET {|SG0110:tenant_id|} = 42 WHERE tenant_id = 41")]
            public partial Task<int> OtherLiteral();

            [Query("UPDATE orders SET {|SG0110:tenant_id|} = 42 WHERE tenant_id IN (42, 43)")]
            public partial Task<int> OneOfSeveral();

            [Query("UPDATE orders SET ({|SG0110:tenant_id|}, status) = (@n, 'x') WHERE tenant_id = @t")]
            public partial Task<int> Row(long t, long n);

            [Query("UPDATE orders SET {|SG0110:tenant_id|} = 42 WHERE id = 42")]
            public partial Task<int> NotPinned();
            """));
        await SingleAsync(Queries("""
            [Query("UPDATE orders SET tenant_id = @n WHERE tenant_id = @t AND id = @id")]
            public partial Task<int> Move(long t, long id, long n);
            """), "SG0110", "may differ from the key the WHERE clause pins the rows to", "Delete it and insert it");
    }

    [Fact]
    public async Task The_key_set_to_the_value_it_is_pinned_to_or_to_itself_changes_nothing_and_is_accepted()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET tenant_id = @t, status = @status WHERE tenant_id = @t AND id = @id")]
            public partial Task<int> SameParameter(long t, long id, string status);

            [Query("UPDATE orders SET status = 'x', tenant_id = 40 + 2 WHERE '42'::bigint = tenant_id")]
            public partial Task<int> SameValue();

            [Query("UPDATE orders SET (status, tenant_id) = ('x', @t) WHERE tenant_id = @t")]
            public partial Task<int> SameInARow(long t);

            [Query("UPDATE {|SG0120:orders|} o SET tenant_id = o.tenant_id, status = 'x' WHERE o.id = @id")]
            public partial Task<int> Itself(long id);
            """));
    }

    [Fact]
    public async Task Updates_of_other_columns_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET status = @status WHERE tenant_id = @t AND id = @id")]
            public partial Task<int> SetStatus(long t, long id, string status);

            [Query("UPDATE countries SET id = @n WHERE id = @id")]
            public partial Task<int> ReferenceKey(long id, long n);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'a', 1, now()) ON CONFLICT (tenant_id, id) DO UPDATE SET tenant_id = excluded.tenant_id, status = excluded.status")]
            public partial Task<int> Upsert(long t);
            """));
    }
}
