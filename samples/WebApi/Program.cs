using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Saas;
using ShardGen;
using ShardGen.Hosting;

// `dotnet run --project samples/WebApi`: without ShardGen:Coordinator in the configuration (appsettings.json, or the
// environment: ShardGen__Coordinator, ShardGen__Workers__worker1, ...) the API starts its own throwaway cluster and
// applies the schema; with one, it serves that cluster as it is (ShardGen__ApplySchemaOnStart=true to create the tables).
var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrWhiteSpace(builder.Configuration["ShardGen:Coordinator"]))
{
    builder.Services.AddSingleton<ThrowawayCluster>();
    builder.Services.AddHostedService(provider => provider.GetRequiredService<ThrowawayCluster>());
    builder.Services.AddSingleton<IConfigureOptions<ShardGenOptions>>(provider => provider.GetRequiredService<ThrowawayCluster>());
}

builder.Services.AddShardGen(ShardDatabase.Schema)
    .AddDatabase<ShardDatabase>()
    .AddQueries<SaasQueries>()
    .AddHealthChecks();
if (string.IsNullOrWhiteSpace(builder.Configuration["ShardGen:Coordinator"]))
{
    // After AddShardGen: ShardGen's start-up service applies the schema first.
    builder.Services.AddHostedService<SampleReferenceData>();
}

var consoleExporter = builder.Configuration.GetValue("Sample:ConsoleExporter", true);
builder.Services.AddOpenTelemetry()
    .WithTracing(tracing =>
    {
        tracing.AddSource(ShardGenDiagnostics.ActivitySourceName).AddAspNetCoreInstrumentation();
        if (consoleExporter)
        {
            tracing.AddConsoleExporter();
        }
    })
    .WithMetrics(metrics =>
    {
        metrics.AddMeter(ShardGenDiagnostics.MeterName);
        if (consoleExporter)
        {
            metrics.AddConsoleExporter();
        }
    });
builder.Services.AddProblemDetails();

var app = builder.Build();
app.UseExceptionHandler();
app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });

var tenants = app.MapGroup("/tenants/{tenantId:long}");
app.MapPost("/tenants", async (Tenant tenant, ShardDatabase db, CancellationToken ct) =>
    await Conflicts(async () => await db.Tenants.InsertAsync(tenant, ct), Results.Created($"/tenants/{tenant.TenantId}", tenant)));
tenants.MapGet("", async (long tenantId, ShardDatabase db, CancellationToken ct) =>
    await db.Tenants.GetAsync(tenantId, ct) is { } tenant ? Results.Ok(tenant) : Results.NotFound());
tenants.MapPost("/users", async (long tenantId, User user, ShardDatabase db, CancellationToken ct) =>
    await Conflicts(async () => await db.Users.InsertAsync(user with { TenantId = tenantId }, ct), Results.Created($"/tenants/{tenantId}/users/{user.Id}", user with { TenantId = tenantId })));
tenants.MapPost("/orders", async (long tenantId, Order order, ShardDatabase db, CancellationToken ct) =>
    await Conflicts(async () => await db.Orders.InsertAsync(order with { TenantId = tenantId }, ct), Results.Created($"/tenants/{tenantId}/orders/{order.Id}", order with { TenantId = tenantId })));
tenants.MapGet("/orders", (long tenantId, ShardDatabase db, CancellationToken ct) => db.Orders.ListAsync(tenantId, ct));
tenants.MapGet("/dashboard", (long tenantId, SaasQueries queries, CancellationToken ct) => queries.TenantDashboard(tenantId, ct));
app.MapGet("/reports/revenue-by-plan", (SaasQueries queries, CancellationToken ct) => queries.RevenueByPlan(ct));
app.MapGet("/reports/largest-orders", (SaasQueries queries, CancellationToken ct) => queries.LargestOrders(ct));
app.MapPost("/welcome-credit", async (long first, long second, decimal amount, SaasQueries queries, CancellationToken ct) =>
    Results.Ok(new { Inserted = await queries.WelcomeCredit(first, second, amount, DateTimeOffset.UtcNow, ct) }));

app.Run();

// A row that is already there is the caller's conflict, not the server's error.
static async Task<IResult> Conflicts(Func<Task> write, IResult created)
{
    try
    {
        await write();
        return created;
    }
    catch (ShardOperationException ex) when (ex.SqlState == "23505")
    {
        return Results.Conflict(new { error = ex.Message });
    }
}

static Task WriteHealthAsync(HttpContext context, HealthReport report)
{
    context.Response.ContentType = "application/json";
    return context.Response.WriteAsync(JsonSerializer.Serialize(new
    {
        status = report.Status.ToString(),
        checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
    }));
}

/// <summary>The entry point, public for the tests' <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program
{
}
