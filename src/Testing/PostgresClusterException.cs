namespace ShardGen.Testing;

/// <summary>A throwaway PostgreSQL server could not be created, started or stopped.</summary>
public sealed class PostgresClusterException : Exception
{
    public PostgresClusterException(string message)
        : base(message)
    {
    }

    public PostgresClusterException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
