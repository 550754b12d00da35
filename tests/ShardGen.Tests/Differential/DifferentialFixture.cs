using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Integration;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Differential;

/// <summary>
/// The same generated data in a sharded cluster (coordinator + 2 workers, 32 shards) and in one
/// ordinary PostgreSQL database (the oracle) holding the same tables unsharded. Keys are skewed
/// (tenant 7 holds a third of the orders) and sparse (20 tenants over 32 shards leave shards empty);
/// sort keys have ties and NULLs; names have non-ASCII letters, case pairs and punctuation that
/// collations other than "C" order differently. The servers' locale is "C" here; the subclasses
/// below create theirs with other collations.
/// </summary>
public class DifferentialFixture : IAsyncLifetime
{
    /// <summary>The oracle's database, on the coordinator's server.</summary>
    protected virtual string OracleDatabase => "oracle";

    /// <summary>The cluster's locale; null for "C".</summary>
    protected virtual LocalClusterOptions? Options => null;

    /// <summary>Why this machine cannot create the cluster (a libc locale it lacks); null when it can.</summary>
    public string? Unavailable { get; private set; }

    public LocalPostgresCluster Cluster { get; private set; } = null!;

    public ShardedDataSource Source { get; private set; } = null!;

    public ShardDatabase Db { get; private set; } = null!;

    public string Oracle { get; private set; } = null!;

    /// <summary>Every server of the sharded cluster (the coordinator first), for checks sent straight to them.</summary>
    public IReadOnlyList<string> Nodes { get; private set; } = [];

    /// <summary>The coordinator's connection string.</summary>
    public string Coordinator { get; private set; } = null!;

    /// <summary>The server of <see cref="Nodes"/> a node of the shard map is (the map's nodes are reached at those ports).</summary>
    public string NodeAt(int port) => Nodes.Single(node => new NpgsqlConnectionStringBuilder(node).Port == port);

    public async Task InitializeAsync()
    {
        Unavailable = WhyUnavailable();
        if (Unavailable is not null)
        {
            return;
        }

        (Source, Nodes, var coordinator) = await StartAsync();
        Coordinator = coordinator;
        Db = new ShardDatabase(Source);
        await Db.ApplySchemaAsync();

        // The oracle: one plain PostgreSQL database on the coordinator's server, holding the same rows unsharded.
        await Sql.ExecuteAsync(coordinator, $"DROP DATABASE IF EXISTS {OracleDatabase} WITH (FORCE)");
        await Sql.ExecuteAsync(coordinator, $"CREATE DATABASE {OracleDatabase}");
        Oracle = new NpgsqlConnectionStringBuilder(coordinator) { Database = OracleDatabase, SearchPath = null }.ConnectionString;
        foreach (var table in ShardDatabase.Schema.Tables)
        {
            await Sql.ExecuteAsync(Oracle, NativeDdl.CreateTable(table));
        }

        var data = ShopData.Generate();
        await LoadShardedAsync(data);
        await LoadOracleAsync(data);
    }

    /// <summary>Why this machine cannot run the fixture (a libc locale it lacks); null when it can.</summary>
    protected virtual string? WhyUnavailable() =>
        Options?.Locale is { } locale && !Locales.IsInstalled(locale)
            ? $"The libc locale {locale} is not installed on this machine (as root: localedef -i en_US -f UTF-8 en_US.UTF-8)."
            : null;

    /// <summary>The sharded cluster: a data source on it, its servers, and the coordinator's connection string.</summary>
    protected virtual async Task<(ShardedDataSource Source, IReadOnlyList<string> Nodes, string Coordinator)> StartAsync()
    {
        Cluster = await LocalPostgresCluster.StartAsync(workers: 2, Options);
        return (ShardedDatabaseFixture.CreateSource(Cluster), Cluster.Nodes.Select(n => n.ConnectionString).ToArray(), Cluster.CoordinatorConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (Source is not null)
        {
            await Source.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }

    private async Task LoadShardedAsync(ShopData data)
    {
        foreach (var country in data.Countries)
        {
            await Db.Countries.InsertAsync(country);
        }

        foreach (var setting in data.Settings)
        {
            await Db.Settings.InsertAsync(setting);
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = 8 };
        await Parallel.ForEachAsync(data.Customers, options, async (c, ct) => await Db.Customers.InsertAsync(c, ct));
        await Parallel.ForEachAsync(data.Orders, options, async (o, ct) => await Db.Orders.InsertAsync(o, ct));
        await Parallel.ForEachAsync(data.Lines, options, async (l, ct) => await Db.OrderLines.InsertAsync(l, ct));
    }

    private async Task LoadOracleAsync(ShopData data)
    {
        await using var connection = new NpgsqlConnection(Oracle);
        await connection.OpenAsync();
        await using (var writer = await connection.BeginBinaryImportAsync("COPY countries (code, name, region) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var c in data.Countries)
            {
                await writer.WriteRowAsync(default, c.Code, c.Name, c.Region);
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync("COPY settings (key, value) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var s in data.Settings)
            {
                await writer.WriteRowAsync(default, s.Key, s.Value);
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync("COPY customers (tenant_id, id, name, country_code, tier, joined_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var c in data.Customers)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(c.TenantId);
                await writer.WriteAsync(c.Id);
                await writer.WriteAsync(c.Name);
                await writer.WriteAsync(c.CountryCode, NpgsqlDbType.Text);
                await writer.WriteAsync(c.Tier);
                await writer.WriteAsync(c.JoinedAt, NpgsqlDbType.TimestampTz);
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync("COPY orders (tenant_id, id, customer_id, status, total, weight, quantity, created_at, note) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var o in data.Orders)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(o.TenantId);
                await writer.WriteAsync(o.Id);
                await writer.WriteAsync(o.CustomerId);
                await writer.WriteAsync(o.Status);
                await writer.WriteAsync(o.Total);
                await writer.WriteAsync(o.Weight);
                await writer.WriteAsync(o.Quantity);
                await writer.WriteAsync(o.CreatedAt, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(o.Note, NpgsqlDbType.Text);
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync("COPY order_lines (tenant_id, order_id, line_no, sku, qty, price) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var l in data.Lines)
            {
                await writer.WriteRowAsync(default, l.TenantId, l.OrderId, l.LineNo, l.Sku, l.Qty, l.Price);
            }

            await writer.CompleteAsync();
        }
    }
}

[CollectionDefinition("differential")]
public sealed class DifferentialCollection : ICollectionFixture<DifferentialFixture>
{
}

/// <summary>
/// The sharded side is a Citus cluster given by <c>SHARDGEN_CITUS_COORDINATOR</c> (skipped without one): the model's
/// tables are created on it by ShardGen, and every query runs through the Citus engine.
/// </summary>
public class CitusDifferentialFixture : DifferentialFixture
{
    /// <summary>The schema of this fixture's tables in the Citus cluster (every fixture has its own).</summary>
    protected virtual string Schema => "sg_differential";

    /// <summary>Fixtures that share a Citus coordinator each have an oracle of their own there.</summary>
    protected override string OracleDatabase => "oracle_" + Schema;

    protected override string? WhyUnavailable() => Citus.CitusFixture.Coordinator is null ? Citus.CitusFixture.NoCitus : null;

    protected override async Task<(ShardedDataSource Source, IReadOnlyList<string> Nodes, string Coordinator)> StartAsync()
    {
        // Tables of their own, in a schema of their own: other fixtures share the cluster.
        await Citus.CitusFixture.ResetSchemaAsync(Citus.CitusFixture.Coordinator!, Schema);
        var coordinator = Citus.CitusFixture.InSchema(Citus.CitusFixture.Coordinator!, Schema);
        var source = Citus.CitusFixture.Builder(coordinator).UseSchema(ShardDatabase.Schema).Build();
        var nodes = await Sql.QueryAsync(coordinator, "SELECT nodename, nodeport, groupid FROM pg_dist_node WHERE isactive AND noderole = 'primary' ORDER BY groupid");
        var connectionStrings = nodes.Select(n => (int)n[2]! == 0 ? coordinator : Citus.CitusFixture.Node(coordinator, (string)n[0]!, (int)n[1]!)).ToList();
        Collation = "libc " + await Sql.ScalarAsync<string>(coordinator, "SELECT datcollate FROM pg_database WHERE datname = current_database()");
        return (source, connectionStrings, coordinator);
    }

    /// <summary>The coordinator's default collation, as the collation check names it; the workers must have the same.</summary>
    public string Collation { get; private set; } = "";
}

[CollectionDefinition("differential-citus")]
public sealed class CitusDifferentialCollection : ICollectionFixture<CitusDifferentialFixture>
{
}

/// <summary>Servers whose default collation is glibc's en_US.UTF-8.</summary>
public sealed class LibcEnUsFixture : DifferentialFixture
{
    protected override LocalClusterOptions Options => new() { Locale = "en_US.UTF-8" };
}

[CollectionDefinition("differential-libc-en-US")]
public sealed class LibcEnUsCollection : ICollectionFixture<LibcEnUsFixture>
{
}

/// <summary>Servers whose default collation is ICU's en-US.</summary>
public sealed class IcuEnUsFixture : DifferentialFixture
{
    protected override LocalClusterOptions Options => new() { IcuLocale = "en-US" };
}

[CollectionDefinition("differential-icu-en-US")]
public sealed class IcuEnUsCollection : ICollectionFixture<IcuEnUsFixture>
{
}

/// <summary>Servers whose default collation is ICU's root locale (und).</summary>
public sealed class IcuRootFixture : DifferentialFixture
{
    protected override LocalClusterOptions Options => new() { IcuLocale = "und" };
}

[CollectionDefinition("differential-icu-und")]
public sealed class IcuRootCollection : ICollectionFixture<IcuRootFixture>
{
}

/// <summary>The libc locales of this machine, as <c>locale -a</c> lists them.</summary>
internal static class Locales
{
    /// <summary>Whether glibc has <paramref name="locale"/> (<c>en_US.UTF-8</c> is listed as <c>en_US.utf8</c>).</summary>
    public static bool IsInstalled(string locale)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("locale", "-a") { RedirectStandardOutput = true })!;
        var installed = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        process.WaitForExit();
        return installed.Any(name => Normalize(name) == Normalize(locale));

        static string Normalize(string name) => name.Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
    }
}

/// <summary>Deterministic test data for the shop tables.</summary>
public sealed record ShopData(List<Country> Countries, List<Setting> Settings, List<Customer> Customers, List<Order> Orders, List<OrderLine> Lines)
{
    private static readonly string[] Statuses = ["open", "paid", "shipped", "cancelled"];
    private static readonly string[] Names = ["Ada", "ada", "Émile", "Zoë", "Bob", "Ålborg Ltd", "Straße", "日本商事", "Chen", "Øystein", "Zed", "al-Hassan"];
    private static readonly string?[] Notes = [null, null, "gift", "rush", "Gift", "fragile", "rush"];

    public static ShopData Generate()
    {
        var random = new Random(3141);
        var countries = new List<Country>
        {
            new("DE", "Germany", "EU"), new("FR", "France", "EU"), new("JP", "Japan", "APAC"),
            new("US", "United States", "AMER"), new("BR", "Brazil", "AMER"), new("NO", "Norway", "EU"),
        };
        var settings = new List<Setting> { new("theme", "dark"), new("currency", "EUR"), new("max_rows", "100") };
        var customers = new List<Customer>();
        var orders = new List<Order>();
        var lines = new List<OrderLine>();
        var epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (long tenant = 1; tenant <= 20; tenant++)
        {
            var customerCount = 3 + random.Next(12);
            for (long c = 1; c <= customerCount; c++)
            {
                var country = random.Next(8) switch { 0 => null, 1 => "XX", var n => countries[n % countries.Count].Code };
                customers.Add(new Customer(tenant, c, $"{Names[random.Next(Names.Length)]} {c}", country, random.Next(1, 4), epoch.AddMinutes(random.Next(100_000))));
            }

            // Tenant 7 is a third of all orders: the skew a real multi-tenant table has.
            var orderCount = tenant == 7 ? 1500 : 60 + random.Next(120);
            for (long o = 1; o <= orderCount; o++)
            {
                var quantity = 1 + random.Next(6);
                var total = Math.Round((decimal)(random.NextDouble() * 1000), 2);
                var created = epoch.AddSeconds(random.Next(20_000_000));
                orders.Add(new Order(tenant, o, 1 + random.Next(customerCount), Statuses[random.Next(Statuses.Length)], total,
                    random.Next(400) * 0.25, quantity, created, Notes[random.Next(Notes.Length)]));
                var lineCount = 1 + random.Next(3);
                for (var l = 1; l <= lineCount; l++)
                {
                    lines.Add(new OrderLine(tenant, o, l, $"SKU-{random.Next(40):D2}", 1 + random.Next(5), Math.Round((decimal)(random.NextDouble() * 50), 2)));
                }
            }
        }

        return new ShopData(countries, settings, customers, orders, lines);
    }
}

/// <summary>
/// Values from either side made comparable: numbers by type and value (a decimal with its scale),
/// times by instant (timestamptz reads as DateTime from the oracle, DateTimeOffset in the rows), text as is.
/// </summary>
internal static class Comparable
{
    public static string Of(object? value) => value switch
    {
        null or DBNull => "NULL",
        string s => "'" + s + "'",
        double d => "float8:" + d.ToString("R", CultureInfo.InvariantCulture),
        float f => "float4:" + f.ToString("R", CultureInfo.InvariantCulture),
        DateTimeOffset t => "t:" + t.UtcTicks.ToString(CultureInfo.InvariantCulture),
        DateTime t => "t:" + t.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        short n => "int2:" + n.ToString(CultureInfo.InvariantCulture),
        int n => "int4:" + n.ToString(CultureInfo.InvariantCulture),
        long n => "int8:" + n.ToString(CultureInfo.InvariantCulture),

        // With its scale: PostgreSQL's numeric keeps trailing zeros (avg gives 346.1300000000000000), and so does Npgsql's decimal.
        decimal n => "numeric:" + n.ToString(CultureInfo.InvariantCulture),
        _ => value.GetType().Name + ":" + value,
    };

    public static string Row(object?[] row) => "(" + string.Join(", ", row.Select(Of)) + ")";
}
