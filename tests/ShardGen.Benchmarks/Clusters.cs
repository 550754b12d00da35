using Npgsql;
using ShardGen.Testing;

namespace ShardGen.Benchmarks;

/// <summary>
/// The servers the database suites run against, started once per run from the local PostgreSQL binaries:
/// a sharded cluster (1 coordinator + 2 workers) and, for the baselines that need one unsharded database,
/// a separate single PostgreSQL server with the same settings (not a database on the coordinator's
/// server, so that the coordinator's work never competes with it inside one server).
/// </summary>
public sealed class Clusters : IAsyncDisposable
{
    private readonly Options _options;
    private LocalPostgresCluster? _sharded;
    private LocalPostgresCluster? _single;
    private ShardedDataSource? _source;

    public Clusters(Options options) => _options = options;

    public LocalPostgresCluster Sharded => _sharded ?? throw new InvalidOperationException("Start the sharded cluster first.");

    public async Task<ShardedDataSource> SourceAsync()
    {
        if (_source is not null)
        {
            return _source;
        }

        _sharded ??= await LocalPostgresCluster.StartAsync(workers: 2);
        _source = Build(_options.AutoPrepare);
        await new ShardDatabase(_source).ApplySchemaAsync();
        return _source;
    }

    /// <summary>A second data source over the same cluster, e.g. with another Max Auto Prepare.</summary>
    public ShardedDataSource Build(int autoPrepare, Model.SchemaDefinition? schema = null)
    {
        var cluster = Sharded;
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString)
            .UseSchema(schema ?? ShardDatabase.Schema)
            .UseAutoPrepare(autoPrepare)
            .UseTransactionRecovery(TimeSpan.Zero, onLoad: false);
        for (var i = 0; i < cluster.Workers.Count; i++)
        {
            builder.AddWorker(cluster.Workers[i].ConnectionString, $"worker{i + 1}");
        }

        return builder.Build();
    }

    /// <summary>The unsharded server's connection string.</summary>
    public async Task<string> SingleAsync()
    {
        _single ??= await LocalPostgresCluster.StartAsync(workers: 0);
        return _single.CoordinatorConnectionString;
    }

    /// <summary>The PostgreSQL version the servers run.</summary>
    public async Task<string> VersionAsync()
    {
        var connectionString = _sharded?.CoordinatorConnectionString ?? await SingleAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }

        if (_sharded is not null)
        {
            await _sharded.DisposeAsync();
        }

        if (_single is not null)
        {
            await _single.DisposeAsync();
        }
    }
}

/// <summary>The rows the fan-out and ingest suites load: deterministic, the same on both sides.</summary>
public static class Rows
{
    public const int Tenants = 10_000;

    public const int Categories = 20;

    public static IEnumerable<BenchItem> Items(int count)
    {
        for (var i = 1; i <= count; i++)
        {
            yield return new BenchItem(1 + (i % Tenants), i, "category " + (i % Categories), i % 100, ((i * 7919L) % 100_000) / 100m, i % 3 == 0 ? null : "note " + i);
        }
    }

    public const string FlatDdl = """
        CREATE TABLE IF NOT EXISTS {0} (
            tenant_id bigint NOT NULL, id bigint NOT NULL, category text NOT NULL, quantity integer NOT NULL,
            price numeric NOT NULL, note text, PRIMARY KEY (tenant_id, id))
        """;

    /// <summary>Raw binary COPY into one unsharded table: the way a careful Npgsql user loads rows.</summary>
    public static async Task<long> CopyAsync(string connectionString, string table, IEnumerable<BenchItem> rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var ddl = new NpgsqlCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, FlatDdl, Identifiers.Quote(table)), connection))
        {
            await ddl.ExecuteNonQueryAsync();
        }

        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {Identifiers.Quote(table)} (tenant_id, id, category, quantity, price, note) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows)
        {
            importer.StartRow();
            importer.Write(row.TenantId, NpgsqlTypes.NpgsqlDbType.Bigint);
            importer.Write(row.Id, NpgsqlTypes.NpgsqlDbType.Bigint);
            importer.Write(row.Category, NpgsqlTypes.NpgsqlDbType.Text);
            importer.Write(row.Quantity, NpgsqlTypes.NpgsqlDbType.Integer);
            importer.Write(row.Price, NpgsqlTypes.NpgsqlDbType.Numeric);
            if (row.Note is { } note)
            {
                importer.Write(note, NpgsqlTypes.NpgsqlDbType.Text);
            }
            else
            {
                importer.WriteNull();
            }
        }

        return (long)await importer.CompleteAsync();
    }

    public static async Task AnalyzeAsync(IEnumerable<string> connectionStrings)
    {
        foreach (var connectionString in connectionStrings)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("VACUUM ANALYZE", connection);
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync();
        }
    }
}
