using Npgsql;
using ShardGen.Testing;
using Xunit;

namespace ShardGen.Tests.Infrastructure;

/// <summary>Test classes in this collection share one running coordinator + 2 workers.</summary>
[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
}

/// <summary>
/// One throwaway PostgreSQL cluster (coordinator + 2 workers) for a whole test collection: starting one
/// takes about a second, so tests share it and keep out of each other's way by using their own tables.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private LocalPostgresCluster? _cluster;

    public LocalPostgresCluster Cluster =>
        _cluster ?? throw new InvalidOperationException("The cluster is started by xunit before the first test of the collection runs.");

    public async Task InitializeAsync() => _cluster = await LocalPostgresCluster.StartAsync(workers: 2);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

/// <summary>
/// SQL sent straight to one server, bypassing ShardGen: for asserting on what the servers really hold.
/// Parameters are positional (<c>$1</c>, <c>$2</c>...).
/// </summary>
public static class Sql
{
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = CreateCommand(connection, sql, parameters);
        object? result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default! : (T)result;
    }

    public static async Task<List<object?[]>> QueryAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = CreateCommand(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The first column of every row, in order.</summary>
    public static async Task<List<T>> ColumnAsync<T>(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = CreateCommand(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }

    public static async Task<int> ExecuteAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = CreateCommand(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    private static NpgsqlCommand CreateCommand(NpgsqlConnection connection, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (object parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}
