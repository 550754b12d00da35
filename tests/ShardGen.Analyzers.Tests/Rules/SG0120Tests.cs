using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0120 (info): a query or write without a condition on the distribution key runs on every shard; noted on the routing table's name.</summary>
public sealed class SG0120Tests
{
    [Fact]
    public async Task A_read_without_a_key_condition_is_noted_on_the_table_name()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM {|SG0120:orders|} WHERE status = 'open'")]
            public partial Task<List<IdRow>> Open();
            """));
    }

    [Fact]
    public async Task A_key_condition_only_under_OR_does_not_pin()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM {|SG0120:orders|} WHERE tenant_id = @t OR status = 'open'")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task Writes_without_a_key_condition_are_noted()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("DELETE FROM {|SG0120:orders|} WHERE status = 'x'")]
            public partial Task<int> Delete();

            [Query("UPDATE {|SG0120:orders|} SET status = 'x'")]
            public partial Task<int> Update();
            """));
    }

    [Fact]
    public async Task A_join_is_noted_on_its_first_distributed_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM countries k JOIN {|SG0120:customers|} c ON c.country_code = k.code JOIN orders o ON o.tenant_id = c.tenant_id AND o.customer_id = c.id")]
            public partial Task<List<IdRow>> All();
            """));
    }

    [Fact]
    public async Task The_message_names_the_table_and_the_condition_that_would_pin_it()
    {
        await SingleAsync(Queries("""
            [Query("SELECT o.id FROM orders o WHERE o.status = 'open'")]
            public partial Task<List<IdRow>> Open();
            """), "SG0120", "'orders'", "every shard", "'o.tenant_id = @...'");
        await SingleAsync(Queries("""
            [Query("DELETE FROM orders WHERE status = 'x'")]
            public partial Task<int> Delete();
            """), "SG0120", "This write", "'orders'");
    }

    [Fact]
    public async Task Raised_to_an_error_in_editorconfig_it_fails_the_build()
    {
        var test = Verifier.Create(Queries("""
            [Query("SELECT id FROM {|#0:orders|} WHERE status = 'open'")]
            public partial Task<List<IdRow>> Open();
            """));
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", """
            root = true

            [*.cs]
            dotnet_diagnostic.SG0120.severity = error
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("SG0120", DiagnosticSeverity.Error).WithLocation(0));
        await test.RunAsync();
    }

    [Fact]
    public async Task Key_conditions_written_as_expressions_pin_the_query()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = 40 + 2")]
            public partial Task<List<IdRow>> Folded();

            [Query("SELECT id FROM orders WHERE tenant_id = '42'::bigint")]
            public partial Task<List<IdRow>> CastString();

            [Query("SELECT id FROM orders WHERE tenant_id = CAST(42.0 AS bigint) AND status = 'open'")]
            public partial Task<List<IdRow>> CastNumeric();

            [Query("SELECT id FROM orders WHERE tenant_id = bigint '42'")]
            public partial Task<List<IdRow>> TypedLiteral();

            [Query("SELECT id FROM orders WHERE tenant_id = -(6 * 7) % 100")]
            public partial Task<List<IdRow>> Negated();

            [Query("SELECT id FROM orders WHERE tenant_id = @t + 1")]
            public partial Task<List<IdRow>> Computed(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = (@t::bigint * 2) / 3")]
            public partial Task<List<IdRow>> ComputedCast(int t);

            [Query("SELECT id FROM orders WHERE tenant_id IN (1 + 1, @t - 1) OR tenant_id = '7'::int8")]
            public partial Task<List<IdRow>> ListOfExpressions(long t);

            [Query("UPDATE orders SET status = 'x' WHERE tenant_id = @t * 10 + 1")]
            public partial Task<int> ComputedWrite(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = ANY(ARRAY[1, @t, 40 + 2])")]
            public partial Task<List<IdRow>> AnyOfArray(long t);

            [Query("DELETE FROM orders WHERE tenant_id = ANY(ARRAY[@a, @b]) OR tenant_id = 3")]
            public partial Task<int> AnyOfArrayOrKey(long a, long b);

            [Query("SELECT id FROM orders WHERE tenant_id = @a UNION ALL SELECT id FROM customers WHERE tenant_id IN (@b, 3) ORDER BY id LIMIT 5")]
            public partial Task<List<IdRow>> UnionAllOfPinnedBranches(long a, long b);
            """));
    }

    [Fact]
    public async Task A_key_condition_ShardGen_cannot_compute_is_named_as_such()
    {
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = abs(@t)")]
            public partial Task<List<IdRow>> Computed(long t);
            """), "SG0120", "'tenant_id = abs(@t)'", "not a value ShardGen can compute", "every shard");
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = ANY(ARRAY[1, abs(@t)])")]
            public partial Task<List<IdRow>> ArrayWithAFunction(long t);
            """), "SG0120", "'tenant_id = ANY(ARRAY[1, abs(@t)])'", "not a value ShardGen can compute");
        await SingleAsync(Queries("""
            [Query("SELECT c.id FROM customers c WHERE c.tenant_id IN (SELECT o.tenant_id FROM orders o WHERE o.total > 100)")]
            public partial Task<List<IdRow>> KeysOfASubquery();
            """), "SG0120", "'c.tenant_id IN (SELECT o.tenant_id FROM orders o WHERE o.total > 100)'", "not a value ShardGen can compute");
        await SingleAsync(Queries("""
            [Query("SELECT c.id FROM customers c WHERE c.tenant_id = ANY (SELECT o.tenant_id FROM orders o WHERE o.total > 100)")]
            public partial Task<List<IdRow>> KeysOfAnAnySubquery();
            """), "SG0120", "'c.tenant_id = ANY (SELECT o.tenant_id FROM orders o WHERE o.total > 100)'", "not a value ShardGen can compute");
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = 2147483647 * 2147483647 * 4")]
            public partial Task<List<IdRow>> Overflows();
            """), "SG0120", "not a value ShardGen can compute");
        await SingleAsync(Queries("""
            [Query("DELETE FROM orders WHERE tenant_id = @t / 0")]
            public partial Task<int> ByZero(long t);
            """), "SG0120", "key of this write", "not a value ShardGen can compute");
    }

    [Fact]
    public async Task Queries_pinned_to_keys_and_reference_or_local_tables_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND status = 'open'")]
            public partial Task<List<IdRow>> Pinned(long t);

            [Query("SELECT id FROM orders WHERE @t = tenant_id")]
            public partial Task<List<IdRow>> Reversed(long t);

            [Query("SELECT id FROM orders WHERE (tenant_id = 42)")]
            public partial Task<List<IdRow>> Literal();

            [Query("SELECT id FROM orders WHERE tenant_id IN (@a, @b)")]
            public partial Task<List<IdRow>> InList(long a, long b);

            [Query("SELECT id FROM orders WHERE tenant_id = ANY(@tenants)")]
            public partial Task<List<IdRow>> AnyList(List<long> tenants);

            [Query("SELECT id FROM orders WHERE tenant_id = @a OR tenant_id = @b")]
            public partial Task<List<IdRow>> OrOfKeys(long a, long b);

            [Query("SELECT id FROM readings WHERE device_id = '6f9619ff-8b86-d011-b42d-00c04fc964ff'")]
            public partial Task<List<IdRow>> GuidLiteral();

            [Query("DELETE FROM orders WHERE tenant_id = @t AND status = 'x'")]
            public partial Task<int> PinnedWrite(long t);

            [Query("SELECT id FROM countries")]
            public partial Task<List<IdRow>> Reference();

            [Query("DELETE FROM audit_entries")]
            public partial Task<int> Local();
            """));
    }
}
