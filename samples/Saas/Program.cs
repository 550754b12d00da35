using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Saas;
using ShardGen;
using ShardGen.Model;
using ShardGen.Testing;

// With SHARDGEN_COORDINATOR (and SHARDGEN_WORKER_1, SHARDGEN_WORKER_2, ...) set, the sample uses
// those servers and leaves them running; without, it starts a throwaway cluster and stops it.
// With --keep, the throwaway cluster (and a spare server, for growing it to three workers with the shardgen tool)
// is left running; --stop <directory> stops it (README, "Growing the cluster").
// With --citus "<connection string>" (or SHARDGEN_CITUS_COORDINATOR) it runs the same sections on a
// Citus cluster: the workers are Citus's own, read from its catalogs (docs/citus.md).
const int TenantCount = 1000;
const string Usage = "usage: dotnet run --project samples/Saas [-- --keep | --stop <directory> | --citus \"<connection string of a Citus coordinator>\"]";
var keep = args is ["--keep"];
if (args is ["--stop", var kept])
{
    await LocalPostgresCluster.StopKeptAsync(kept);
    Console.WriteLine($"Stopped the cluster in {kept} and removed its files.");
    return 0;
}

var citus = args is ["--citus", var given] ? given : Environment.GetEnvironmentVariable("SHARDGEN_CITUS_COORDINATOR");
if (args.Length > 0 && !keep && (args is not ["--citus", _] || string.IsNullOrWhiteSpace(citus)))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var coordinator = string.IsNullOrWhiteSpace(citus) ? Environment.GetEnvironmentVariable("SHARDGEN_COORDINATOR") : citus;
var workers = Enumerable.Range(1, 64)
    .Select(i => Environment.GetEnvironmentVariable($"SHARDGEN_WORKER_{i}"))
    .TakeWhile(w => !string.IsNullOrWhiteSpace(w))
    .Select(w => w!)
    .ToList();

LocalPostgresCluster? cluster = null;
if (string.IsNullOrWhiteSpace(coordinator))
{
    Console.WriteLine(keep
        ? "No SHARDGEN_COORDINATOR set: starting a cluster to keep (1 coordinator + 2 workers, and a spare server; wal_level = logical, for shard moves)..."
        : "No SHARDGEN_COORDINATOR set: starting a throwaway cluster (1 coordinator + 2 workers) from the local PostgreSQL binaries...");
    var started = Stopwatch.StartNew();
    cluster = keep
        ? await LocalPostgresCluster.StartAsync(workers: 3, new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["wal_level"] = "logical" } })
        : await LocalPostgresCluster.StartAsync(workers: 2);
    coordinator = cluster.CoordinatorConnectionString;
    workers = [.. cluster.WorkerConnectionStrings.Take(2)];
    Console.WriteLine($"  cluster up in {started.Elapsed.TotalSeconds:F1} s: coordinator port {cluster.Coordinator.Port}, workers {string.Join(", ", cluster.Workers.Take(2).Select(w => w.Port))}");
}
else if (keep)
{
    Console.Error.WriteLine("--keep starts a cluster of its own: unset SHARDGEN_COORDINATOR.");
    return 2;
}
else if (workers.Count == 0 && string.IsNullOrWhiteSpace(citus))
{
    Console.Error.WriteLine("SHARDGEN_COORDINATOR is set but no SHARDGEN_WORKER_1: give at least one worker connection string.");
    return 2;
}

try
{
    if (!string.IsNullOrWhiteSpace(citus))
    {
        workers = [];
    }

    ShardedDataSourceBuilder Builder(SchemaDefinition schema)
    {
        var builder = new ShardedDataSourceBuilder(coordinator).UseSchema(schema);
        if (!string.IsNullOrWhiteSpace(citus))
        {
            builder.UseCitus();
        }

        for (var i = 0; i < workers.Count; i++)
        {
            builder.AddWorker(workers[i], $"worker{i + 1}");
        }

        return builder;
    }

    // This week's model, with a hand-written step of this week's migration (it runs once in the cluster's life).
    await using var source = Builder(ShardDatabase.Schema)
        .AddMigrationStep("2026-12-03-record-week-two", AppSettingRepository.Definition,
            "INSERT INTO {table} (key, value, updated_at) VALUES ('sample.week_two', 'migrated', now()) ON CONFLICT (key) DO NOTHING")
        .Build();
    var db = new ShardDatabase(source);

    Console.WriteLine();
    Console.WriteLine(source.Engine == ShardEngine.Citus
        ? "Applying week one's schema on Citus (create_distributed_table, 32 shards per colocation group; create_reference_table)..."
        : "Applying week one's schema (metadata, 32 shards per colocation group, tables on every node)...");
    await using (var weekOne = Builder(WeekOne(ShardDatabase.Schema)).Build())
    {
        await weekOne.ApplySchemaAsync();
    }

    var map = await source.GetShardMapAsync();
    foreach (var group in map.ColocationGroups)
    {
        Console.WriteLine($"  colocation group '{group.Name}': {group.KeyType.SqlType()} keys, {group.ShardCount} shards");
    }

    await SeedAsync(db);
    await MigrateAsync(source);
    await RoutedCallsAsync(db, source);
    await QueriesAsync(new SaasQueries(db));
    await CrossTenantTransactionAsync(db, source);
    await PrintSpreadAsync(source, map);
    return 0;
}
finally
{
    if (cluster is not null && keep)
    {
        cluster.KeepRunning();
        Console.WriteLine();
        Console.WriteLine($"The cluster is left running in {cluster.RootDirectory}. Grow it from two workers to three with the shardgen tool:");
        Console.WriteLine($"  export SHARDGEN_COORDINATOR=\"{cluster.CoordinatorConnectionString}\"");
        Console.WriteLine($"  dotnet run --project src/Tool -- add-worker --name worker3 \"{cluster.WorkerConnectionStrings[2]}\"");
        Console.WriteLine("  dotnet run --project src/Tool -- rebalance --plan");
        Console.WriteLine("  dotnet run --project src/Tool -- rebalance");
        Console.WriteLine("  dotnet run --project src/Tool -- split int8 --shards 64");
        Console.WriteLine("  dotnet run --project src/Tool -- isolate int8 42 --to worker3");
        Console.WriteLine("  dotnet run --project src/Tool -- verify");
        Console.WriteLine("  dotnet run --project src/Tool -- status");
        Console.WriteLine($"Stop it with: dotnet run --project samples/Saas -- --stop {cluster.RootDirectory}");
    }
    else if (cluster is not null)
    {
        Console.WriteLine();
        Console.WriteLine("Stopping the throwaway cluster.");
        await cluster.DisposeAsync();
    }
}

// Week one's model: this week's, without the indexes and the check that week two added (docs/schema.md, "Week one to week two").
static SchemaDefinition WeekOne(SchemaDefinition weekTwo) => new(
    [.. weekTwo.Tables.Select(t => t.Name is "users" or "orders" or "order_items"
        ? new TableDefinition(t.Name, t.Kind, t.Columns, t.PrimaryKey, t.Statements, t.DistributionColumn, t.KeyType, t.ColocationGroup)
        : t)],
    weekTwo.Queries);

// The migration to this week's model, on tables that hold rows: first the dry run, then the apply. The indexes are built
// concurrently on every shard, the check is added NOT VALID and then validated: calls go on all along.
static async Task MigrateAsync(ShardedDataSource source)
{
    Console.WriteLine();
    Console.WriteLine("Migrating to week two's model (PlanSchemaAsync is the dry run; docs/schema.md):");
    var plan = await source.PlanSchemaAsync();
    foreach (var phase in plan.Statements.GroupBy(s => s.Phase))
    {
        var nodes = phase.Select(s => s.Node).Distinct().Count();
        Console.WriteLine($"  {phase.Key}: {phase.Count()} statement{(phase.Count() == 1 ? "" : "s")} on {nodes} node{(nodes == 1 ? "" : "s")}, e.g. {phase.First().Sql}");
    }

    if (plan.IsEmpty)
    {
        Console.WriteLine("  nothing to do: this cluster has week two's model already");
    }

    var started = Stopwatch.StartNew();
    await source.ApplySchemaAsync();
    Console.WriteLine($"  applied in {started.Elapsed.TotalSeconds:F1} s; a second plan is empty: {(await source.PlanSchemaAsync()).IsEmpty}");
}

static async Task SeedAsync(ShardDatabase db)
{
    var started = Stopwatch.StartNew();
    Plan[] plans = [new("free", "Free", 0m, 3), new("team", "Team", 49m, 25), new("enterprise", "Enterprise", 499m, 1000)];
    Country[] countries = [new("DE", "Germany"), new("FR", "France"), new("JP", "Japan"), new("US", "United States"), new("BR", "Brazil")];
    Country noTenants = new("NO", "Norway");
    foreach (var plan in plans)
    {
        await db.Plans.UpsertAsync(plan);
    }

    foreach (var country in countries.Append(noTenants))
    {
        await db.Countries.UpsertAsync(country);
    }

    await db.AppSettings.UpsertAsync(new AppSetting("sample.seeded_at", DateTimeOffset.UtcNow.ToString("O"), DateTimeOffset.UtcNow));

    // Each tenant's rows go to its own shard; tenants load in parallel. Order items are gathered and
    // bulk-loaded afterwards: binary COPY per shard, both workers at once, in one transaction.
    var rows = 0;
    var allItems = new System.Collections.Concurrent.ConcurrentBag<OrderItem>();
    await Parallel.ForEachAsync(Enumerable.Range(1, TenantCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (t, ct) =>
    {
        var random = new Random(t);
        long tenantId = t;
        var created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(t);
        await db.Tenants.UpsertAsync(new Tenant(tenantId, $"Tenant {t}", plans[t % plans.Length].Code, countries[t % countries.Length].Code, created), ct);
        var local = 1;
        for (long u = 1; u <= 3; u++)
        {
            await db.Users.UpsertAsync(new User(tenantId, u, $"user{u}@tenant{t}.example", $"User {u} of tenant {t}", created), ct);
            local++;
        }

        for (long o = 1; o <= 5; o++)
        {
            var lines = 1 + random.Next(3);
            var items = Enumerable.Range(1, lines)
                .Select(l => new OrderItem(tenantId, o, l, $"SKU-{random.Next(100):D3}", 1 + random.Next(5), Math.Round((decimal)random.NextDouble() * 100, 2)))
                .ToArray();
            var total = items.Sum(i => i.Quantity * i.UnitPrice);
            await db.Orders.UpsertAsync(new Order(tenantId, o, 1 + (o % 3), (OrderStatus)(o % 3), total, created.AddDays(o), o % 2 == 0 ? null : "first order"), ct);
            foreach (var item in items)
            {
                allItems.Add(item);
            }

            local += 1;
        }

        Interlocked.Add(ref rows, local);
    });

    var batches = 0;
    var loaded = await db.OrderItems.BulkInsertAsync(allItems, new Progress<BulkInsertProgress>(_ => Interlocked.Increment(ref batches)));
    rows += (int)loaded;

    Console.WriteLine();
    Console.WriteLine($"Loaded {TenantCount} tenants, {rows} distributed rows ({loaded} order items by BulkInsertAsync), {plans.Length} plans and {countries.Length + 1} countries in {started.Elapsed.TotalSeconds:F1} s.");
}

static async Task RoutedCallsAsync(ShardDatabase db, ShardedDataSource source)
{
    const long tenantId = 42;
    var route = await source.RouteAsync(OrderRepository.Definition, tenantId);
    Console.WriteLine();
    Console.WriteLine($"Routed calls for tenant {tenantId}: shard {route.ShardId} (\"{route.ShardTable}\", index {route.ShardIndex}) on {route.Node.Name}");

    var tenant = await db.Tenants.GetAsync(tenantId) ?? throw new InvalidOperationException("tenant 42 is missing");
    var plan = await db.Plans.GetAsync(tenant.PlanCode);
    Console.WriteLine($"  {tenant.Name}: plan {plan?.Name}, country {tenant.CountryCode}");

    var orders = await db.Orders.ListAsync(tenantId);
    Console.WriteLine($"  {orders.Count} orders, total {orders.Sum(o => o.Total).ToString("F2", CultureInfo.InvariantCulture)}");

    var first = orders[0];
    await db.Orders.UpdateAsync(first with { Status = OrderStatus.Shipped, Note = "shipped by the sample" });
    var updated = await db.Orders.GetAsync(tenantId, first.Id);
    Console.WriteLine($"  order {first.Id}: {first.Status} -> {updated?.Status} ({updated?.Note})");

    await db.OrderItems.InsertAsync(new OrderItem(tenantId, first.Id, 99, "SKU-GIFT", 1, 0m));
    var deleted = await db.OrderItems.DeleteAsync(tenantId, first.Id, 99);
    Console.WriteLine($"  inserted and deleted a gift line: {(deleted ? "ok" : "not found")}");
    Console.WriteLine($"  users of tenant {tenantId}: {await db.Users.CountAsync(tenantId)}; orders in all shards: {await db.Orders.CountAllAsync()}");
}

static async Task QueriesAsync(SaasQueries queries)
{
    Console.WriteLine();
    Console.WriteLine("[Query] methods, planned at build time:");
    Console.WriteLine("  tenant 42's dashboard (one shard; colocated join + reference join):");
    foreach (var line in await queries.TenantDashboard(42))
    {
        Console.WriteLine($"    order {line.Id,2}  {line.Total,8:F2}  {line.Status,-9} {line.DisplayName} ({line.PlanName})");
    }

    Console.WriteLine("  revenue by plan (all 32 shards; partial aggregates merged):");
    foreach (var row in await queries.RevenueByPlan())
    {
        Console.WriteLine($"    {row.PlanCode,-10} {row.Orders,6} orders  revenue {row.Revenue,12:F2}  average {row.AverageOrder:F2}");
    }

    Console.WriteLine("  largest orders (all shards; ordered merge, LIMIT after the merge):");
    foreach (var order in await queries.LargestOrders())
    {
        Console.WriteLine($"    tenant {order.TenantId,4} order {order.Id}  {order.Total:F2}");
    }

    Console.WriteLine("  lookup of tenants 7, 42, 99, 512 (only the shards holding them):");
    foreach (var tenant in await queries.Lookup([7, 42, 99, 512]))
    {
        Console.WriteLine($"    {tenant.TenantId,4} {tenant.Name} ({tenant.CountryName})");
    }

    Console.WriteLine("  tenant 42's spend by user (one shard; WITH ... included):");
    foreach (var user in await queries.SpendByUser(42))
    {
        Console.WriteLine($"    {user.DisplayName,-24} {user.Spent,10:F2}");
    }

    Console.WriteLine("  first tenants without an order of 250.00 or more (all shards; NOT EXISTS correlated on the key, inside each shard):");
    Console.WriteLine("    " + string.Join(", ", (await queries.TenantsWithoutOrdersOver(250m)).Select(t => t.Name)));
    Console.WriteLine("  tenants per country, countries without tenants included (tenants' rows joined on the coordinator):");
    Console.WriteLine("    " + string.Join(", ", (await queries.TenantsPerCountry()).Select(c => $"{c.Name} {c.Tenants}")));
    var credited = await queries.WelcomeCredit(7, 8, 10m, DateTimeOffset.UtcNow);
    Console.WriteLine($"  one INSERT of welcome credits for tenants 7 and 8: {credited} rows, split by key, in one transaction");
}

// One transaction over two tenants on different workers: 25.00 of credit moves from one to the other,
// booked as a credit note on each side. It commits with two-phase commit on both workers, or not at all.
static async Task CrossTenantTransactionAsync(ShardDatabase db, ShardedDataSource source)
{
    const long from = 42;
    var fromWorker = (await source.RouteAsync(OrderRepository.Definition, from)).Node;
    long to = 43;
    while ((await source.RouteAsync(OrderRepository.Definition, to)).Node == fromWorker)
    {
        to++;
    }

    var toWorker = (await source.RouteAsync(OrderRepository.Definition, to)).Node;
    var now = DateTimeOffset.UtcNow;
    await using (var tx = await source.BeginTransactionAsync())
    {
        await db.Orders.UpsertAsync(new Order(from, 1000, 1, OrderStatus.Shipped, -25m, now, $"credit moved to tenant {to}"));
        await db.Orders.UpsertAsync(new Order(to, 1000, 1, OrderStatus.Shipped, 25m, now, $"credit moved from tenant {from}"));
        await tx.CommitAsync();

        Console.WriteLine();
        Console.WriteLine($"Cross-tenant transaction: 25.00 of credit from tenant {from} ({fromWorker.Name}) to tenant {to} ({toWorker.Name})");
        Console.WriteLine(
            source.Engine == ShardEngine.Citus ? $"  committed by Citus: one session on {tx.Participants[0]}, and Citus's own two-phase commit across the workers"
            : tx.UsedTwoPhaseCommit ? $"  committed with two-phase commit on {string.Join(" and ", tx.PreparedOn)}: prepared on both, decision recorded on the coordinator, then COMMIT PREPARED on both"
            : "  committed as a plain transaction on one worker");
    }

    var credit = await db.Orders.GetAsync(from, 1000);
    var debit = await db.Orders.GetAsync(to, 1000);
    var recovery = source.Engine == ShardEngine.Citus ? "Citus settles its own" : $"recovery finds nothing to settle: {await source.RecoverAsync()}";
    Console.WriteLine($"  tenant {from}: {credit?.Total:F2} ({credit?.Note}); tenant {to}: {debit?.Total:F2} ({debit?.Note}); {recovery}");
}

// Straight to each worker, not through ShardGen: what the servers hold.
static async Task PrintSpreadAsync(ShardedDataSource source, ShardMap map)
{
    Console.WriteLine();
    Console.WriteLine("How shards and rows are spread over the workers:");
    var distributed = source.Schema.Tables.Where(t => t.Kind == TableKind.Distributed).ToArray();
    foreach (var worker in map.Workers)
    {
        await using var connection = await worker.DataSource.OpenConnectionAsync();
        var parts = new List<string>();
        var shardCount = 0;
        foreach (var table in distributed)
        {
            var shards = map.Shards(table).Where(s => s.Node == worker).ToArray();
            shardCount = Math.Max(shardCount, shards.Length);
            var sql = "SELECT " + string.Join(" + ", shards.Select(s => $"(SELECT count(*) FROM {Identifiers.Quote(s.ShardTable)})"));
            await using var command = new NpgsqlCommand(sql, connection);
            parts.Add($"{table.Name} {(long)(await command.ExecuteScalarAsync())!}");
        }

        Console.WriteLine($"  {worker.Name} ({worker.Host}:{worker.Port}): {shardCount} shards per table; rows: {string.Join(", ", parts)}");
    }
}
