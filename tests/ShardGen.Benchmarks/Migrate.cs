using System.Diagnostics;
using Npgsql;
using ShardGen.Model;

namespace ShardGen.Benchmarks;

/// <summary>
/// A migration of a table of <see cref="Options.Rows"/> rows (1,000,000 by default), step by step as a team would make
/// it: ShardGen's ApplySchemaAsync on the sharded cluster (32 shards on 2 workers, every shard changed; two-phase commit,
/// concurrent index builds) against the same DDL by hand on one unsharded server holding the same rows. During the
/// index build a writer inserts rows, one at a time, on each side: its slowest insert is reported.
/// </summary>
public static class Migrate
{
    public static async Task<List<Figure>> RunAsync(Clusters clusters, Options options)
    {
        var source = await clusters.SourceAsync();
        var single = await clusters.SingleAsync();
        var rows = Rows.Items(options.Rows).Select(r => new MigrateItem(r.TenantId, r.Id, r.Category, r.Quantity, r.Price, r.Note)).ToList();
        await new ShardDatabase(source).MigrateItems.BulkInsertAsync(rows);
        await Rows.CopyAsync(single, "migrate_items", Rows.Items(options.Rows));
        var week1 = MigrateItemRepository.Definition;

        var tag = new ColumnDefinition("tag", "text", IsNullable: true);
        var priority = new ColumnDefinition("priority", "integer", IsNullable: false) { DefaultSql = "0" };
        var index = new IndexDefinition("migrate_items_category_idx", ["tenant_id", "category"]);
        var check = new CheckConstraintDefinition("migrate_items_quantity_check", "quantity >= 0");
        TableDefinition Week2(ColumnDefinition[] columns, IndexDefinition[] indexes, CheckConstraintDefinition[] checks) =>
            new(week1.Name, week1.Kind, [.. week1.Columns, .. columns], week1.PrimaryKey, week1.Statements, week1.DistributionColumn, week1.KeyType, week1.ColocationGroup)
            {
                Indexes = indexes,
                CheckConstraints = checks,
            };

        var figures = new List<Figure>();
        async Task StepAsync(string name, TableDefinition model, string byHand, Writer? shardedWriter = null, Writer? singleWriter = null)
        {
            await using var migrating = clusters.Build(options.AutoPrepare, new SchemaDefinition([model]));
            shardedWriter?.Start();
            var clock = Stopwatch.StartNew();
            await migrating.ApplySchemaAsync();
            var sharded = clock.Elapsed.TotalMilliseconds;
            var shardedWorst = shardedWriter is null ? 0 : await shardedWriter.StopAsync();

            await using var connection = new NpgsqlConnection(single);
            await connection.OpenAsync();
            singleWriter?.Start();
            clock.Restart();
            foreach (var statement in byHand.Split(";\n"))
            {
                await using var command = new NpgsqlCommand(statement, connection) { CommandTimeout = 0 };
                await command.ExecuteNonQueryAsync();
            }

            var unsharded = clock.Elapsed.TotalMilliseconds;
            var singleWorst = singleWriter is null ? 0 : await singleWriter.StopAsync();
            figures.Add(new Figure("migrate", $"{name}, {options.Rows:N0} rows: ApplySchemaAsync (32 shards, 2 workers) vs by hand on one server", sharded, unsharded, "ms",
                HigherIsBetter: false, Figure.NoGoal, 0));
            if (shardedWriter is not null && singleWriter is not null)
            {
                figures.Add(new Figure("migrate", $"{name}: slowest single-row insert during it, sharded vs one server", shardedWorst, singleWorst, "ms",
                    HigherIsBetter: false, Figure.NoGoal, 0,
                    $"{shardedWriter.Count:N0} and {singleWriter.Count:N0} inserts, none lost"));
            }
        }

        await StepAsync("add a nullable column", Week2([tag], [], []), "ALTER TABLE migrate_items ADD COLUMN tag text");
        await StepAsync("add a NOT NULL column with a default", Week2([tag, priority], [], []), "ALTER TABLE migrate_items ADD COLUMN priority integer DEFAULT 0 NOT NULL");

        var db = new ShardDatabase(source);
        await using var singleSource = NpgsqlDataSource.Create(single);
        var shardedWrites = new Writer(options.Rows + 1, (id, ct) => db.MigrateItems.InsertAsync(new MigrateItem(id % 1000 + 1, id, "during", 1, 1m, null), ct));
        var singleWrites = new Writer(options.Rows + 1, async (id, ct) =>
        {
            await using var command = singleSource.CreateCommand("INSERT INTO migrate_items (tenant_id, id, category, quantity, price) VALUES ($1, $2, 'during', 1, 1)");
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id % 1000 + 1 });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            await command.ExecuteNonQueryAsync(ct);
        });
        await StepAsync("build an index (concurrently)", Week2([tag, priority], [index], []),
            "CREATE INDEX CONCURRENTLY migrate_items_category_idx ON migrate_items (tenant_id, category)", shardedWrites, singleWrites);
        await StepAsync("add a check constraint (NOT VALID, then validated)", Week2([tag, priority], [index], [check]),
            "ALTER TABLE migrate_items ADD CONSTRAINT migrate_items_quantity_check CHECK (quantity >= 0) NOT VALID;\nALTER TABLE migrate_items VALIDATE CONSTRAINT migrate_items_quantity_check");

        var expected = options.Rows + shardedWrites.Count;
        if (await db.MigrateItems.CountAllAsync() != expected)
        {
            throw new InvalidOperationException($"the sharded table holds {await db.MigrateItems.CountAllAsync()} rows, not {expected}: a write was lost");
        }

        return figures;
    }
}

/// <summary>One client inserting rows one after another while a migration step runs; it times each insert.</summary>
public sealed class Writer(long firstId, Func<long, CancellationToken, Task> insert)
{
    private readonly CancellationTokenSource _stop = new();
    private Task<double>? _running;

    /// <summary>The inserts made.</summary>
    public long Count { get; private set; }

    public void Start() => _running = Task.Run(async () =>
    {
        var worst = 0.0;
        var clock = new Stopwatch();
        for (var id = firstId + Count; !_stop.IsCancellationRequested; id++)
        {
            clock.Restart();
            await insert(id, CancellationToken.None);
            worst = Math.Max(worst, clock.Elapsed.TotalMilliseconds);
            Count++;
        }

        return worst;
    });

    /// <summary>Stops the writer; the slowest insert, in milliseconds.</summary>
    public async Task<double> StopAsync()
    {
        await _stop.CancelAsync();
        return await _running!;
    }
}
