using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ShardGen.Tests.Infrastructure;

namespace ShardGen.Tests.Samples;

/// <summary>
/// samples/WebApi as <c>dotnet run --project samples/WebApi</c> starts it (its own throwaway cluster, the schema applied at
/// start-up), called over HTTP; what the endpoints wrote is checked on the servers.
/// </summary>
public sealed class WebApiTests : IAsyncLifetime
{
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web.UseSetting("Sample:ConsoleExporter", "false"));
        _http = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task The_endpoints_route_fan_out_and_commit_across_workers_and_health_reports_the_cluster()
    {
        var health = await _http.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("shardgen").GetProperty("status").GetString());

        var source = _factory.Services.GetRequiredService<ShardedDataSource>();
        var map = await source.GetShardMapAsync();
        var table = source.Schema.Tables.Single(t => t.Name == "orders");
        long first = 0, second = 0;
        for (long tenant = 1; first == 0 || second == 0; tenant++)
        {
            var node = map.Route(table, tenant).Node.Name;
            if (node == "worker1" && first == 0)
            {
                first = tenant;
            }
            else if (node == "worker2" && second == 0)
            {
                second = tenant;
            }
        }

        foreach (var tenant in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync("/tenants", new { tenantId = tenant, name = $"T{tenant}", planCode = "team", countryCode = "DE", createdAt = DateTimeOffset.UtcNow })).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync($"/tenants/{tenant}/users", new { id = 1, email = "ann@example.com", displayName = "Ann", createdAt = DateTimeOffset.UtcNow })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsJsonAsync("/tenants", new { tenantId = first, name = "again", planCode = "team", countryCode = "DE", createdAt = DateTimeOffset.UtcNow })).StatusCode);
        var created = await _http.PostAsJsonAsync($"/tenants/{first}/orders", new { id = 7, userId = 1, status = 0, total = 12.5m, createdAt = DateTimeOffset.UtcNow, note = (string?)null });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // The order is on the first tenant's worker, in its shard table.
        var route = map.Route(table, first);
        Assert.Equal(12.5m, await Sql.ScalarAsync<decimal>(route.Node.ConnectionString, $"SELECT total FROM {route.ShardTable} WHERE tenant_id = $1 AND id = 7", first));

        var dashboard = await _http.GetFromJsonAsync<JsonElement>($"/tenants/{first}/dashboard");
        var line = Assert.Single(dashboard.EnumerateArray());
        Assert.Equal("Ann", line.GetProperty("displayName").GetString());
        Assert.Equal("Team", line.GetProperty("planName").GetString());

        // A multi-row insert over tenants on both workers commits on both (two-phase commit).
        var credit = await _http.PostAsync($"/welcome-credit?first={first}&second={second}&amount=5", null);
        Assert.Equal(HttpStatusCode.OK, credit.StatusCode);
        Assert.Equal(2, (await credit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("inserted").GetInt32());
        var secondRoute = map.Route(table, second);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(secondRoute.Node.ConnectionString, $"SELECT count(*) FROM {secondRoute.ShardTable} WHERE tenant_id = $1 AND id = 2000", second));

        var largest = await _http.GetFromJsonAsync<JsonElement>("/reports/largest-orders");
        Assert.Equal([12.5m, 5m, 5m], largest.EnumerateArray().Select(o => o.GetProperty("total").GetDecimal()).ToArray());
        var revenue = await _http.GetFromJsonAsync<JsonElement>("/reports/revenue-by-plan");
        Assert.Equal(22.5m, Assert.Single(revenue.EnumerateArray()).GetProperty("revenue").GetDecimal());
        var orders = await _http.GetFromJsonAsync<JsonElement>($"/tenants/{first}/orders");
        Assert.Equal([7L, 2000L], orders.EnumerateArray().Select(o => o.GetProperty("id").GetInt64()).ToArray());
    }
}
