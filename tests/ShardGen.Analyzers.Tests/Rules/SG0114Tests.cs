using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0114: a [Query] method that cannot be generated; underlined on the whole SQL (or the statement).</summary>
public sealed class SG0114Tests
{
    [Fact]
    public async Task A_type_without_a_data_source_is_underlined_on_the_whole_SQL()
    {
        await Verifier.VerifyAsync(TableTypes + """

            public sealed partial class NoSource
            {
                [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
                public partial Task<List<IdRow>> Bad(long t);
            }
            """);
    }

    [Fact]
    public async Task A_static_method_needs_a_static_data_source()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
            public static partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task Return_types_that_are_not_supported()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
            public partial ValueTask<List<IdRow>> ValueTaskResult(long t);

            [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
            public partial List<IdRow> Synchronous(long t);

            [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
            public partial Task<List<Dictionary<string, int>>> Unmappable(long t);
            """));
    }

    [Fact]
    public async Task A_SELECT_without_FROM_is_underlined_on_the_statement()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("{|SG0114:SELECT 1|}")]
            public partial Task<int> Bad();
            """));
    }

    [Fact]
    public async Task Statements_whose_result_does_not_fit_the_return_type()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
            public partial Task SelectWithoutResult(long t);

            [Query("{|SG0114:UPDATE orders SET status = 'x' WHERE tenant_id = @t|}")]
            public partial Task<List<IdRow>> WriteReturningRows(long t);

            [Query("{|SG0114:DELETE FROM orders WHERE tenant_id = @t RETURNING id|}")]
            public partial Task ReturningWithoutResult(long t);
            """));
    }

    [Fact]
    public async Task Declarations_ShardGen_cannot_write_a_body_for()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
            public partial Task<List<T>> Generic<T>(long t);

            [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
            public partial Task<List<IdRow>> ByRef(ref long t);

            [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
            public Task<List<IdRow>> WithBody(long t) => Task.FromResult(new List<IdRow>());

            public sealed partial class Nested
            {
                public ShardedDataSource? Source { get; set; }

                [Query("{|SG0114:SELECT id FROM orders WHERE tenant_id = @t|}")]
                public partial Task<List<IdRow>> Bad(long t);
            }
            """));
    }

    [Fact]
    public async Task The_messages_name_the_type_or_method_and_what_to_do()
    {
        await SingleAsync(TableTypes + """

            public sealed partial class NoSource
            {
                [Query("SELECT id FROM orders WHERE tenant_id = @t")]
                public partial Task<List<IdRow>> Bad(long t);
            }
            """, "SG0114", "'NoSource'", "ShardedDataSource or ShardDatabase");
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t")]
            public partial ValueTask<List<IdRow>> Bad(long t);
            """), "SG0114", "'Bad' returns", "ValueTask");
        await SingleAsync(Queries("""
            [Query("UPDATE orders SET status = 'x' WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0114", "'Bad' should return Task<int> or Task");
    }

    [Fact]
    public async Task Every_way_to_reach_the_cluster_and_every_result_shape_raise_nothing()
    {
        await Verifier.VerifyAsync(TableTypes + """

            public sealed partial class ShardDatabase
            {
                [Query("SELECT id FROM orders WHERE tenant_id = @t")]
                public partial Task<List<IdRow>> OnTheEntryPoint(long t);
            }

            public sealed partial class OrderQueries(ShardDatabase db)
            {
                private readonly ShardDatabase _db = db;

                [Query("SELECT id FROM orders WHERE tenant_id = @t AND id = @id")]
                public partial Task<IdRow?> First(long t, long id);

                [Query("SELECT id FROM orders WHERE tenant_id = @t")]
                public partial IAsyncEnumerable<IdRow> Stream(long t);

                [Query("UPDATE orders SET status = 'x' WHERE tenant_id = @t")]
                public partial Task<int> Affected(long t);

                [Query("DELETE FROM orders WHERE tenant_id = @t AND id = @id")]
                public partial Task Delete(long t, long id, CancellationToken ct = default);
            }

            public static partial class StaticQueries
            {
                public static ShardedDataSource Source { get; set; } = null!;

                [Query("SELECT count(*) FROM orders WHERE tenant_id = @t")]
                public static partial Task<long> Count(long t);
            }
            """);
    }
}
