using ShardGen.Model;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Queries;

public sealed class QueryDefinitionTests
{
    private static readonly TableDefinition[] Tables = [.. ShardDatabase.Schema.Tables];

    [Fact]
    public void A_schema_refuses_a_query_naming_a_table_it_does_not_have()
    {
        var query = new QueryDefinition("Q.Missing", QueryTarget.Router, new SqlTemplate(["SELECT * FROM ", ""], ["no_such_table"]), routingTable: "accounts");
        var error = Assert.Throws<ArgumentException>(() => new SchemaDefinition(Tables, [query]));
        Assert.Contains("'Q.Missing'", error.Message);
        Assert.Contains("'no_such_table'", error.Message);
    }

    [Fact]
    public void A_schema_refuses_a_routing_table_that_is_not_distributed()
    {
        var query = new QueryDefinition("Q.RoutedByReference", QueryTarget.FanOut, new SqlTemplate("SELECT * FROM ", ""), routingTable: "currencies");
        var error = Assert.Throws<ArgumentException>(() => new SchemaDefinition(Tables, [query]));
        Assert.Contains("'Q.RoutedByReference'", error.Message);
        Assert.Contains("'currencies'", error.Message);
        Assert.Contains("distributed", error.Message);
    }

    [Fact]
    public void A_schema_refuses_a_join_of_tables_that_are_not_colocated()
    {
        var query = new QueryDefinition(
            "Q.NotColocated", QueryTarget.Router,
            new SqlTemplate(["SELECT * FROM ", " a JOIN ", " c ON true WHERE a.tenant_id = $1"], ["accounts", "counters"]),
            routingTable: "accounts");
        var error = Assert.Throws<ArgumentException>(() => new SchemaDefinition(Tables, [query]));
        Assert.Contains("'Q.NotColocated'", error.Message);
        Assert.Contains("'counters'", error.Message);
        Assert.Contains("colocation group", error.Message);
    }

    [Fact]
    public void A_schema_refuses_tables_that_the_query_s_target_cannot_reach()
    {
        var localOnWorkers = new QueryDefinition("Q.LocalInRouter", QueryTarget.Router,
            new SqlTemplate(["SELECT * FROM ", " a, ", " s"], ["accounts", "settings"]), routingTable: "accounts");
        Assert.Contains("'settings'", Assert.Throws<ArgumentException>(() => new SchemaDefinition(Tables, [localOnWorkers])).Message);

        var shardsInReference = new QueryDefinition("Q.ShardsInReference", QueryTarget.Reference, new SqlTemplate(["SELECT * FROM ", ""], ["accounts"]));
        Assert.Contains("'accounts'", Assert.Throws<ArgumentException>(() => new SchemaDefinition(Tables, [shardsInReference])).Message);

        var shardsInLocal = new QueryDefinition("Q.ShardsInLocal", QueryTarget.Local, new SqlTemplate(["SELECT * FROM ", ""], ["entries"]));
        Assert.Contains("'entries'", Assert.Throws<ArgumentException>(() => new SchemaDefinition(Tables, [shardsInLocal])).Message);
    }

    [Fact]
    public void A_query_definition_refuses_what_cannot_be_routed_or_combined()
    {
        Assert.Throws<ArgumentException>(() => new QueryDefinition("Q.NoRouting", QueryTarget.Router, new SqlTemplate("SELECT 1")));
        Assert.Throws<ArgumentException>(() => new QueryDefinition("Q.SuffixAlone", QueryTarget.FanOut, new SqlTemplate("SELECT * FROM ", ""), "accounts", workerSuffix: " ORDER BY 1"));
        Assert.Throws<ArgumentException>(() => new QueryDefinition("Q.UnnamedPlaces", QueryTarget.Reference, new SqlTemplate("SELECT * FROM ", "")));
        Assert.Throws<ArgumentException>(() => new SqlTemplate(["SELECT * FROM ", " JOIN ", ""], ["accounts"]));

        var template = new SqlTemplate(["SELECT * FROM ", " a JOIN ", " e USING (tenant_id)"], ["accounts", "entries"]);
        Assert.Equal("SELECT * FROM {accounts} a JOIN {entries} e USING (tenant_id)", template.ToString());
        Assert.Equal("SELECT * FROM \"a_1\" a JOIN \"e_1\" e USING (tenant_id)", template.Render(["\"a_1\"", "\"e_1\""]));
    }

    [Fact]
    public async Task A_data_source_hands_out_the_queries_of_its_schema_only()
    {
        await using var source = new ShardedDataSourceBuilder("Host=127.0.0.1;Port=1;Username=nobody")
            .AddWorker("Host=127.0.0.1;Port=2;Username=nobody")
            .UseSchema(TestQueries.Schema)
            .Build();

        Assert.Same(source.Query(TestQueries.AccountsOfTenant), source.Query(TestQueries.AccountsOfTenant));
        Assert.Same(TestQueries.CurrencyNames, source.Query(TestQueries.CurrencyNames).Definition);
        var stranger = new QueryDefinition("Q.Stranger", QueryTarget.Reference, new SqlTemplate(["SELECT * FROM ", ""], ["currencies"]));
        Assert.Contains("'Q.Stranger'", Assert.Throws<ArgumentException>(() => source.Query(stranger)).Message);

        // The schema without queries keeps working as before.
        Assert.Empty(new SchemaDefinition(Tables).Queries);
    }
}
