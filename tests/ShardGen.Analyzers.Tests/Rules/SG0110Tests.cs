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
