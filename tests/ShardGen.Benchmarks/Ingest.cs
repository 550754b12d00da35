using System.Diagnostics;

namespace ShardGen.Benchmarks;

/// <summary>
/// The generated BulkInsertAsync (rows routed to 32 shards on 2 workers, binary COPY per shard, workers in
/// parallel, one transaction with two-phase commit) against raw binary COPY (NpgsqlBinaryImporter) of the
/// same rows into one unsharded table on the single server. Both tables start empty, with their primary keys.
/// </summary>
public static class Ingest
{
    public static async Task<List<Figure>> RunAsync(Clusters clusters, Options options)
    {
        var source = await clusters.SourceAsync();
        var db = new ShardDatabase(source);
        var single = await clusters.SingleAsync();
        var rows = Rows.Items(options.Rows)
            .Select(r => new IngestItem(r.TenantId, r.Id, r.Category, r.Quantity, r.Price, r.Note))
            .ToList();
        var flatRows = Rows.Items(options.Rows).ToList();

        var clock = Stopwatch.StartNew();
        var copied = await Rows.CopyAsync(single, "ingest_items", flatRows);
        var raw = copied / clock.Elapsed.TotalSeconds;

        clock.Restart();
        var inserted = await db.IngestItems.BulkInsertAsync(rows);
        var sharded = inserted / clock.Elapsed.TotalSeconds;
        if (inserted != options.Rows || copied != options.Rows)
        {
            throw new InvalidOperationException($"inserted {inserted} sharded and {copied} unsharded rows, not {options.Rows}");
        }

        return
        [
            new Figure("ingest", $"bulk insert of {options.Rows:N0} rows (32 shards, 2 workers) vs one binary COPY", sharded, raw, "rows/s",
                HigherIsBetter: true, "≥ 0.95 of raw COPY into one table", 0.95),
        ];
    }
}
