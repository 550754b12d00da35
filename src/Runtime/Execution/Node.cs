using Npgsql;

namespace ShardGen;

/// <summary>A PostgreSQL server of the cluster (the coordinator or a worker) and its data source.</summary>
public sealed class Node
{
    internal Node(string name, string host, int port, string database, NpgsqlDataSource dataSource, string connectionString)
    {
        ConnectionString = connectionString;
        Name = name;
        Host = host;
        Port = port;
        Database = database;
        DataSource = dataSource;
    }

    /// <summary>The name the metadata knows this node by.</summary>
    public string Name { get; }

    public string Host { get; }

    public int Port { get; }

    public string Database { get; }

    /// <summary>The Npgsql data source of this node: pooling and prepared statements are Npgsql's.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The connection string given for this node, password included; never printed.</summary>
    internal string ConnectionString { get; }

    /// <summary>The database's default collation, once a merge has read it: what its text sorts by.</summary>
    internal DatabaseCollation? Collation { get; set; }

    // The data source that built the node owns it and disposes it.
    internal ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public override string ToString() => $"{Name} ({Host}:{Port})";
}
