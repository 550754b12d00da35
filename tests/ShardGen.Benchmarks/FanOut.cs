using System.Diagnostics;
using Npgsql;

namespace ShardGen.Benchmarks;

/// <summary>
/// A multi-shard GROUP BY aggregate and an ORDER BY ... LIMIT through generated [Query] methods over 32
/// shards, against the same SQL on one unsharded server holding the same rows (a separate single-node
/// server, see <see cref="Clusters"/>). Latency is the median of N runs after two warm-up runs; both sides'
/// results are compared, so a fast wrong answer cannot pass.
/// </summary>
public static class FanOut
{
    public static async Task<List<Figure>> RunAsync(Clusters clusters, Options options)
    {
        var source = await clusters.SourceAsync();
        var db = new ShardDatabase(source);
        var single = await clusters.SingleAsync();

        Console.WriteLine($"  loading {options.Rows:N0} rows into 32 shards and into the unsharded server...");
        var loaded = await db.BenchItems.BulkInsertAsync(Rows.Items(options.Rows));
        var copied = await Rows.CopyAsync(single, "bench_items", Rows.Items(options.Rows));
        if (loaded != options.Rows || copied != options.Rows)
        {
            throw new InvalidOperationException($"loaded {loaded} sharded and {copied} unsharded rows, not {options.Rows}");
        }

        await Rows.AnalyzeAsync([.. clusters.Sharded.WorkerConnectionStrings, single]);

        var queries = new BenchQueries(db);
        await using var flat = NpgsqlDataSource.Create(single);
        var figures = new List<Figure>();

        var totals = await CompareAsync(
            options,
            () => queries.Totals(),
            () => ReadAsync(flat, BenchQueries.TotalsSql, r => new CategoryTotal(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetDecimal(3))),
            (a, b) => a.Count == b.Count && a.Zip(b).All(p =>
                p.First.Category == p.Second.Category && p.First.Items == p.Second.Items && p.First.Quantity == p.Second.Quantity
                && Math.Round(p.First.AveragePrice, 6) == Math.Round(p.Second.AveragePrice, 6)));
        figures.Add(Latency("GROUP BY aggregate (count, sum, avg by category)", totals, options));

        var top = await CompareAsync(
            options,
            () => queries.Top(),
            () => ReadAsync(flat, BenchQueries.TopSql, r => new TopItem(r.GetInt64(0), r.GetInt64(1), r.GetDecimal(2))),
            (a, b) => a.SequenceEqual(b));
        figures.Add(Latency("ORDER BY price DESC LIMIT 10", top, options));
        return figures;
    }

    private static Figure Latency(string name, (double ShardGen, double Baseline, bool Same) result, Options options) =>
        new("fanout", $"{name}, {options.Rows:N0} rows, median of {options.Runs}", result.ShardGen, result.Baseline, "ms", HigherIsBetter: false,
            "≤ 1.2 of unsharded (2 workers, 32 shards)", 1.2, result.Same ? "same rows on both sides" : "**results differ**");

    internal static async Task<List<T>> ReadAsync<T>(NpgsqlDataSource dataSource, string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static async Task<(double ShardGen, double Baseline, bool Same)> CompareAsync<T>(
        Options options, Func<Task<List<T>>> shardGen, Func<Task<List<T>>> baseline, Func<List<T>, List<T>, bool> same)
    {
        var a = await shardGen();
        var b = await baseline();
        await shardGen();
        await baseline();
        var sharded = new List<double>();
        var unsharded = new List<double>();
        for (var run = 0; run < options.Runs; run++)
        {
            var clock = Stopwatch.StartNew();
            await shardGen();
            sharded.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            await baseline();
            unsharded.Add(clock.Elapsed.TotalMilliseconds);
        }

        return (Median(sharded), Median(unsharded), same(a, b));
    }

    internal static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }
}
