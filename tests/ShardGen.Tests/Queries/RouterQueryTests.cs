using Npgsql;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Queries;

[Collection("queries")]
public sealed class RouterQueryTests(QueryFixture fixture)
{
    private readonly ShardedDataSource _source = fixture.Source;

    [Fact]
    public async Task A_router_query_lists_reads_one_and_streams_the_rows_of_its_key_only()
    {
        const long tenant = 7;
        var expected = fixture.Accounts.Where(a => a.TenantId == tenant).OrderBy(a => a.Id).ToList();
        var query = _source.Query(TestQueries.AccountsOfTenant);

        var listed = await query.ListAsync(tenant, tenant, BindTenant, AccountRowMapper.Read, default);
        Assert.Equal(expected, listed);

        var streamed = new List<Account>();
        await foreach (var account in query.StreamAsync(tenant, tenant, BindTenant, AccountRowMapper.Read, default))
        {
            streamed.Add(account);
        }

        Assert.Equal(expected, streamed);

        var single = _source.Query(TestQueries.AccountById);
        var second = await single.SingleAsync(tenant, (tenant, 2L), BindTenantAndId, AccountRowMapper.Read, default);
        Assert.Equal(expected[1], second);
        Assert.Null(await single.SingleAsync(tenant, (tenant, 99L), BindTenantAndId, AccountRowMapper.Read, default));
    }

    [Fact]
    public async Task A_router_write_changes_the_rows_of_its_key_on_its_shard_and_returns_the_count()
    {
        const long tenant = 11;
        var query = _source.Query(TestQueries.RenameOwners);
        var changed = await query.ExecuteAsync(tenant, (tenant, "renamed"), static (p, a) =>
        {
            p.Add(new NpgsqlParameter<long> { TypedValue = a.tenant });
            p.Add(new NpgsqlParameter<string> { TypedValue = a.Item2 });
        }, default);

        Assert.Equal(QueryFixture.AccountsOf(tenant), changed);
        var route = await _source.RouteAsync(AccountRepository.Definition, tenant);
        var worker = fixture.Cluster.Workers.Single(w => w.Port == route.Node.Port).ConnectionString;
        var owners = await Sql.ColumnAsync<string>(worker, $"SELECT owner FROM {Identifiers.Quote(route.ShardTable)} WHERE tenant_id = $1", tenant);
        Assert.Equal(Enumerable.Repeat("renamed", changed), owners);
        Assert.Equal("owner 12/1", (await fixture.Db.Accounts.GetAsync(12, 1))?.Owner);
    }

    [Fact]
    public async Task A_router_join_reads_colocated_shards_and_the_reference_copy_on_the_key_s_worker()
    {
        const long tenant = 6;
        var rows = await _source.Query(TestQueries.EntriesWithCurrency).ListAsync(
            tenant, tenant, BindTenant,
            static r => (Owner: r.GetString(0), Entry: r.GetInt64(1), Amount: r.GetDecimal(2), Currency: r.GetString(3)),
            default);

        var expected = Enumerable.Range(1, QueryFixture.AccountsOf(tenant))
            .Select(id => ($"owner {tenant}/{id}", id * 10L, id * 1.5m, id % 2 == 0 ? "Euro" : "Swiss franc"))
            .ToList();
        Assert.Equal(expected, rows);

        // Shard i of the query names shard i of both colocated tables and the reference table itself.
        var map = await _source.GetShardMapAsync();
        var route = map.Route(AccountRepository.Definition, tenant);
        var entriesShard = map.Shards(EntryRepository.Definition)[route.ShardIndex];
        var text = map.QueryRoutesAt(QueryIndex(TestQueries.EntriesWithCurrency)).Texts(0)[route.ShardIndex];
        Assert.Contains($"FROM \"{route.ShardTable}\" AS a JOIN \"{entriesShard.ShardTable}\" AS e", text);
        Assert.Contains("JOIN \"currencies\" AS c", text);
    }

    [Fact]
    public async Task Reference_and_local_queries_read_one_copy_and_write_every_copy_or_the_coordinator()
    {
        var names = _source.Query(TestQueries.CurrencyNames);
        for (var i = 0; i < 3; i++)
        {
            var rows = await names.ListAsync(ShardKey.None, 0, QueryFixture.BindNothing, static r => r.GetString(0), default);
            Assert.Equal(["CHF", "EUR", "JPY"], rows);
        }

        var changed = await _source.Query(TestQueries.SetDigits).ExecuteAsync(ShardKey.None, ("JPY", 3), static (p, a) =>
        {
            p.Add(new NpgsqlParameter<string> { TypedValue = a.Item1 });
            p.Add(new NpgsqlParameter<int> { TypedValue = a.Item2 });
        }, default);
        Assert.Equal(1, changed);
        foreach (var node in fixture.Cluster.Nodes)
        {
            Assert.Equal(3, await Sql.ScalarAsync<int>(node.ConnectionString, "SELECT digits FROM currencies WHERE code = 'JPY'"));
        }

        var settings = _source.Query(TestQueries.SettingsWithCurrency);
        var before = await settings.ListAsync(ShardKey.None, 0, QueryFixture.BindNothing, static r => (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)), default);
        Assert.Equal([("base", "CHF", "Swiss franc"), ("theme", "dark", (string?)null)], before);

        await _source.Query(TestQueries.SetSetting).ExecuteAsync(ShardKey.None, ("base", "EUR"), static (p, a) =>
        {
            p.Add(new NpgsqlParameter<string> { TypedValue = a.Item1 });
            p.Add(new NpgsqlParameter<string> { TypedValue = a.Item2 });
        }, default);
        var first = await settings.SingleAsync(ShardKey.None, 0, QueryFixture.BindNothing, static r => r.GetString(2), default);
        Assert.Equal("Euro", first);
        Assert.Equal("EUR", await Sql.ScalarAsync<string>(fixture.Cluster.CoordinatorConnectionString, "SELECT value FROM settings WHERE key = 'base'"));
        await _source.Query(TestQueries.SetSetting).ExecuteAsync(ShardKey.None, ("base", "CHF"), static (p, a) =>
        {
            p.Add(new NpgsqlParameter<string> { TypedValue = a.Item1 });
            p.Add(new NpgsqlParameter<string> { TypedValue = a.Item2 });
        }, default);
    }

    [Fact]
    public async Task A_router_query_refuses_a_key_of_the_wrong_type_or_none_and_names_the_query()
    {
        var query = _source.Query(TestQueries.AccountsOfTenant);
        var wrongType = await Assert.ThrowsAsync<ArgumentException>(() => query.ListAsync(7, 7L, BindTenant, AccountRowMapper.Read, default));
        Assert.Contains(TestQueries.AccountsOfTenant.Name, wrongType.Message);
        Assert.Contains("bigint", wrongType.Message);
        var none = await Assert.ThrowsAsync<ArgumentException>(() => query.ListAsync(ShardKey.None, 7L, BindTenant, AccountRowMapper.Read, default));
        Assert.Contains(TestQueries.AccountsOfTenant.Name, none.Message);

        // A fan-out query is not run on one shard, and a reference query has no shards to fan out over.
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _source.Query(TestQueries.AllBalances).ListAsync(7L, 0, QueryFixture.BindNothing, Balance.Read, default));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _source.Query(TestQueries.CurrencyNames).ExecuteFanOutAsync(null, 0, QueryFixture.BindNothing, default));
    }

    [Fact]
    public async Task A_statement_error_on_a_shard_is_a_ShardOperationException_naming_query_table_shard_and_worker()
    {
        const long tenant = 9;
        var error = await Assert.ThrowsAsync<ShardOperationException>(() => _source.Query(TestQueries.DivideByZero).ListAsync(
            tenant, tenant, BindTenant, static r => r.GetInt64(0), default));

        var route = await _source.RouteAsync(AccountRepository.Definition, tenant);
        Assert.Equal(TestQueries.DivideByZero.Name, error.Query);
        Assert.Equal("accounts", error.Table);
        Assert.Equal(route.ShardId, error.ShardId);
        Assert.Equal(route.Node.Name, error.Node);
        Assert.False(error.IsNodeUnavailable);
        Assert.Equal("22012", error.SqlState);
        Assert.Contains($"Query '{TestQueries.DivideByZero.Name}' on table 'accounts', shard {route.ShardId} (\"{route.ShardTable}\"", error.Message);
        Assert.Contains($"worker '{route.Node.Name}'", error.Message);
        Assert.Contains("key redacted (bigint; IncludeErrorDetail() shows it)", error.Message);

        // A data source that opts in names the key itself.
        var builder = new ShardedDataSourceBuilder(fixture.Cluster.CoordinatorConnectionString).UseSchema(TestQueries.Schema).IncludeErrorDetail();
        for (var i = 0; i < fixture.Cluster.WorkerConnectionStrings.Count; i++)
        {
            builder.AddWorker(fixture.Cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        await using var detailed = builder.Build();
        var named = await Assert.ThrowsAsync<ShardOperationException>(() => detailed.Query(TestQueries.DivideByZero).ListAsync(
            tenant, tenant, BindTenant, static r => r.GetInt64(0), default));
        Assert.Contains($"), key {tenant}: failed: 22012", named.Message);
    }

    private int QueryIndex(ShardGen.Model.QueryDefinition query) =>
        _source.Schema.Queries.Select((q, i) => (q, i)).Single(e => ReferenceEquals(e.q, query)).i;

    private static void BindTenant(NpgsqlParameterCollection parameters, long tenant) =>
        parameters.Add(new NpgsqlParameter<long> { TypedValue = tenant });

    private static void BindTenantAndId(NpgsqlParameterCollection parameters, (long Tenant, long Id) key)
    {
        parameters.Add(new NpgsqlParameter<long> { TypedValue = key.Tenant });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = key.Id });
    }
}
