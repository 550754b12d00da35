using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>Cases the first round of rule tests found wrong, kept so that they stay right.</summary>
public sealed class RegressionTests
{
    [Fact]
    public async Task A_span_ending_in_an_escape_or_a_doubled_quote_covers_all_of_it()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE {|SG0103:\"x\"|} = 'a' AND tenant_id = @t")]
            public partial Task<List<IdRow>> Escaped(long t);

            [Query(@"SELECT id FROM orders WHERE {|SG0103:""stat""|} = 'a' AND tenant_id = @t")]
            public partial Task<List<IdRow>> Verbatim(long t);
            """));
    }

    [Fact]
    public async Task A_constant_is_found_as_CSharp_finds_it_not_by_name_anywhere_in_the_file()
    {
        await Verifier.VerifyAsync(TableTypes + """

            public static class Other
            {
                public const string Sql = "SELECT id FROM orders WHERE tenant_id = @t";
            }

            public sealed partial class Q
            {
                private const string Sql = "SELECT id FROM {|SG0102:ordres|} WHERE tenant_id = @t";

                public ShardedDataSource? Source { get; set; }

                [Query(Sql)]
                public partial Task<List<IdRow>> Mine(long t);

                [Query(Other.Sql)]
                public partial Task<List<IdRow>> Theirs(long t);
            }
            """);
    }

    [Fact]
    public async Task ColocateWith_is_blamed_when_both_colocation_arguments_are_given()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed record Country(long Id, string Name);

            [Distributed(nameof(TenantId), Colocation = "g", {|SG0006:ColocateWith = typeof(Country)|})]
            public sealed record Order(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task RETURNING_star_maps_every_column_of_the_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("DELETE FROM orders WHERE tenant_id = @t AND id = @id RETURNING *")]
            public partial Task<Order?> Take(long t, long id);
            """));
    }

    [Fact]
    public async Task An_output_name_is_not_a_column_in_WHERE_and_EXCLUDED_only_exists_in_ON_CONFLICT()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id AS n FROM orders WHERE tenant_id = @t AND {|SG0103:n|} > 5 ORDER BY n")]
            public partial Task<List<IdRow>> Alias(long t);

            [Query("UPDATE orders SET status = {|SG0103:excluded.status|} WHERE tenant_id = @t")]
            public partial Task<int> Excluded(long t);
            """));
    }

    [Fact]
    public async Task A_LIMIT_parameter_must_be_an_integer()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders ORDER BY id LIMIT {|SG0105:@n|}")]
            public partial Task<List<IdRow>> LimitText(string n);
            """));
    }

    [Fact]
    public async Task A_long_parameter_cannot_route_an_int_key_and_a_quoted_integer_literal_can_route_a_bigint_key()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(Region))]
            public sealed record Store(int Region, long Id);

            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id, string Status);

            public sealed record IdRow(long Id);

            public sealed partial class Q
            {
                public ShardedDataSource? Source { get; set; }

                [Query("SELECT id FROM stores WHERE region = {|SG0105:@region|}")]
                public partial Task<List<IdRow>> Wide(long region);

                [Query("INSERT INTO orders (tenant_id, id, status) VALUES ('42', 1, 'open')")]
                public partial Task<int> Quoted();
            }
            """);
    }

    [Fact]
    public async Task SG0121_needs_groups_and_a_mapping_problem_is_underlined_on_the_whole_select_item()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT count(*) AS id FROM {|SG0120:orders|} ORDER BY count(*) LIMIT 1")]
            public partial Task<List<IdRow>> One();

            [Query("SELECT id, {|SG0113:status AS state|} FROM orders WHERE tenant_id = @t")]
            public partial Task<List<OrderRow>> Renamed(long t);
            """));
    }

    [Fact]
    public async Task A_value_the_server_computes_is_refused_in_writes_to_a_reference_table()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed record Country(long Id, string Name, DateTimeOffset UpdatedAt);

            public sealed partial class Q
            {
                public ShardedDataSource? Source { get; set; }

                [Query("INSERT INTO countries (id, name, updated_at) VALUES (@id, @name, {|SG0101:now()|})")]
                public partial Task<int> Add(long id, string name);

                [Query("UPDATE countries SET updated_at = {|SG0101:now()|} WHERE id = @id")]
                public partial Task<int> Touch(long id);
            }
            """);
    }

    [Fact]
    public async Task An_empty_column_name_is_reported_as_such()
    {
        var diagnostics = await AnalyzeAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id, [property: Column("")] string Name);
            """);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SG0010", diagnostic.Id);
        Assert.Contains("gives no column name", diagnostic.GetMessage());
    }
}
