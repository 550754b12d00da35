using Npgsql;
using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;

namespace ShardGen.Tests.Operations;

/// <summary>
/// The checksum a move and a split prove their copies equal with (a sum of per-row XxHash128 values over binary COPY):
/// equal for the same rows in any physical order, different for any change of a value, of which row holds it, of NULL
/// against an empty value, and for a missing or extra row.
/// </summary>
public sealed class ShardChecksumTests
{
    private static readonly TableShape Shape = TableShape.Of(new TableDefinition(
        "sums", TableKind.Distributed,
        [new("tenant_id", "bigint", IsNullable: false), new("id", "bigint", IsNullable: false), new("note", "text", IsNullable: true), new("amount", "numeric", IsNullable: false)],
        ["tenant_id", "id"], [], "tenant_id", DistributionKeyType.Int64, "int8"));

    [Fact]
    public async Task The_same_rows_in_any_order_sum_the_same_and_any_change_of_a_row_changes_the_sum()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 1);
        var server = cluster.WorkerConnectionStrings[0];
        const string Rows = "SELECT t, i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || i END, i * 1.25 FROM generate_series(1, 20) t, generate_series(1, 500) i";
        await Sql.ExecuteAsync(server, "CREATE TABLE a (tenant_id bigint, id bigint, note text, amount numeric, PRIMARY KEY (tenant_id, id))");
        await Sql.ExecuteAsync(server, $"INSERT INTO a {Rows}");

        // Columns in another physical order, rows written in reverse and then rewritten: the same rows.
        await Sql.ExecuteAsync(server, "CREATE TABLE b (amount numeric, note text, id bigint, tenant_id bigint, PRIMARY KEY (tenant_id, id))");
        await Sql.ExecuteAsync(server, $"INSERT INTO b (tenant_id, id, note, amount) SELECT * FROM ({Rows}) r ORDER BY 1 DESC, 2 DESC");
        await Sql.ExecuteAsync(server, "UPDATE b SET amount = amount WHERE id % 7 = 0");
        var original = await ChecksumAsync(server, "a");
        Assert.Equal(10_000L, original.Rows);
        Assert.Equal(original, await ChecksumAsync(server, "b"));

        // Each change is seen, and undoing it gives the first sum back.
        string[][] changes =
        [
            ["UPDATE b SET amount = 1.26 WHERE tenant_id = 3 AND id = 1", "UPDATE b SET amount = 1.25 WHERE tenant_id = 3 AND id = 1"],
            ["UPDATE b SET note = '' WHERE tenant_id = 1 AND id = 3", "UPDATE b SET note = NULL WHERE tenant_id = 1 AND id = 3"],
            ["UPDATE b SET note = CASE id WHEN 1 THEN 'note 2' ELSE 'note 1' END WHERE tenant_id = 5 AND id IN (1, 2)", "UPDATE b SET note = 'note ' || id WHERE tenant_id = 5 AND id IN (1, 2)"],
            ["DELETE FROM b WHERE tenant_id = 20 AND id = 500", "INSERT INTO b (tenant_id, id, note, amount) VALUES (20, 500, 'note 500', 625.00)"],
            ["INSERT INTO b (tenant_id, id, note, amount) VALUES (21, 1, 'note 1', 1.25)", "DELETE FROM b WHERE tenant_id = 21"],
        ];
        foreach (var change in changes)
        {
            await Sql.ExecuteAsync(server, change[0]);
            Assert.NotEqual(original, await ChecksumAsync(server, "b"));
            await Sql.ExecuteAsync(server, change[1]);
            Assert.Equal(original, await ChecksumAsync(server, "b"));
        }

        // A range of the rows, as a split's pieces are compared with their source.
        Assert.Equal(original.Rows / 20, (await ChecksumAsync(server, "a", "tenant_id = 4")).Rows);
        Assert.NotEqual(await ChecksumAsync(server, "a", "tenant_id = 4"), await ChecksumAsync(server, "a", "tenant_id = 5"));
    }

    [Fact]
    public async Task A_stream_cut_into_chunks_of_any_size_sums_as_it_does_whole()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 1);
        var server = cluster.WorkerConnectionStrings[0];
        await Sql.ExecuteAsync(server, "CREATE TABLE a (tenant_id bigint, id bigint, note text, amount numeric, PRIMARY KEY (tenant_id, id))");

        // Rows of no note, short notes and notes longer than a read (64 KB), which only the piecewise path can hash.
        await Sql.ExecuteAsync(server, "INSERT INTO a SELECT 1, i, CASE WHEN i % 3 = 0 THEN NULL WHEN i % 100 = 1 THEN repeat('x', 70000 + i) ELSE 'note ' || i END, i / 7.0 FROM generate_series(1, 2000) i");
        var expected = await ChecksumAsync(server, "a");
        Assert.Equal(2000L, expected.Rows);

        // The body of the stream, after the header (signature, flags, an empty extension).
        byte[] body;
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var raw = await connection.BeginRawBinaryCopyAsync(ShardChecksum.Copy(Shape, null, "a"));
            using var all = new MemoryStream();
            await raw.CopyToAsync(all);
            body = all.ToArray()[19..];
        }

        foreach (var size in new[] { body.Length, 1, 2, 3, 7, 4096, 65536 })
        {
            var hasher = new ShardChecksum.RowHasher();
            for (var at = 0; at < body.Length; at += size)
            {
                hasher.Consume(body.AsSpan(at, Math.Min(size, body.Length - at)));
            }

            Assert.Equal(expected, hasher.Finish());
        }

        // A stream cut short is no proof.
        var cut = new ShardChecksum.RowHasher();
        cut.Consume(body.AsSpan(0, body.Length - 2));
        Assert.Throws<EndOfStreamException>(() => cut.Finish());
    }

    private static async Task<(long Rows, UInt128 Checksum)> ChecksumAsync(string connectionString, string table, string? where = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await ShardChecksum.ComputeAsync(connection, Shape, null, table, where, CancellationToken.None);
    }
}
