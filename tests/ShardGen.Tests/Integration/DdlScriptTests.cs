using Npgsql;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

[Collection("sharded")]
public sealed class DdlScriptTests(ShardedDatabaseFixture fixture)
{
    [Fact]
    public async Task The_Citus_script_runs_and_calls_create_distributed_table_with_Citus_s_own_signature()
    {
        // No Citus here: functions with Citus's signatures record the calls, so the script must be
        // valid SQL and call them with parameter names and types Citus accepts.
        var database = "citus_script_" + Guid.NewGuid().ToString("N")[..8];
        await Sql.ExecuteAsync(fixture.Cluster.CoordinatorConnectionString, $"CREATE DATABASE {database}");
        var connectionString = new NpgsqlConnectionStringBuilder(fixture.Cluster.CoordinatorConnectionString) { Database = database }.ConnectionString;
        await Sql.ExecuteAsync(connectionString, """
            CREATE TABLE calls (fn text, table_name regclass, distribution_column text, colocate_with text, shard_count int);
            CREATE FUNCTION create_distributed_table(table_name regclass, distribution_column text, distribution_type text DEFAULT 'hash', colocate_with text DEFAULT 'default', shard_count int DEFAULT NULL)
              RETURNS void LANGUAGE sql AS $$ INSERT INTO calls VALUES ('distributed', table_name, distribution_column, colocate_with, shard_count) $$;
            CREATE FUNCTION create_reference_table(table_name regclass)
              RETURNS void LANGUAGE sql AS $$ INSERT INTO calls VALUES ('reference', table_name, NULL, NULL, NULL) $$;
            """);

        await Sql.ExecuteAsync(connectionString, ShardDatabase.CitusDdl);

        var calls = await Sql.QueryAsync(connectionString, "SELECT fn, table_name::text, distribution_column, colocate_with, shard_count FROM calls ORDER BY table_name::text");
        var byTable = calls.ToDictionary(c => (string)c[1]!);
        Assert.Equal(["reference", "currencies", null, null, null], byTable["currencies"]);
        Assert.Equal(["distributed", "accounts", "tenant_id", "none", 32], byTable["accounts"]);
        Assert.Equal(["distributed", "entries", "tenant_id", "accounts", null], byTable["entries"]);
        Assert.Equal(["distributed", "readings", "device_id", "none", 32], byTable["readings"]);
        Assert.False(byTable.ContainsKey("settings"));
        Assert.Equal(12, calls.Count); // 10 distributed tables and 2 reference tables

        // Every column and key of the model exists as the model says.
        Assert.Equal(["tenant_id", "id"], await Sql.ColumnAsync<string>(connectionString, """
            SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE i.indrelid = 'entries'::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)
            """));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_class WHERE relname = 'settings'"));
        await Sql.ExecuteAsync(fixture.Cluster.CoordinatorConnectionString, $"DROP DATABASE {database} WITH (FORCE)");
    }

    [Fact]
    public void The_build_writes_both_scripts_as_sql_files_next_to_the_output()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "shardgen");
        Assert.Equal(Normalize(ShardDatabase.CitusDdl), Normalize(File.ReadAllText(Path.Combine(directory, "citus.sql"))));
        Assert.Equal(Normalize(ShardDatabase.NativeDdlTemplate), Normalize(File.ReadAllText(Path.Combine(directory, "native.sql"))));
    }

    [Fact]
    public async Task The_native_script_of_the_running_cluster_names_every_shard_table_on_its_worker()
    {
        var script = await fixture.Source.RenderNativeDdlAsync();
        var map = await fixture.Source.GetShardMapAsync();
        foreach (var shard in map.Shards(AccountRepository.Definition))
        {
            Assert.Contains($"CREATE TABLE IF NOT EXISTS \"{shard.ShardTable}\"", script);
        }

        Assert.Contains("CHECK (hashint8(\"tenant_id\") BETWEEN -2147483648 AND -2013265921)", script);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").Trim();
}
