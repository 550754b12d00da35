namespace ShardGen.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster: one coordinator and any number of workers, each a separate server.
/// Disposing it stops every server and removes what it stored.
/// </summary>
public interface IPostgresCluster : IAsyncDisposable
{
    string CoordinatorConnectionString { get; }

    IReadOnlyList<string> WorkerConnectionStrings { get; }
}
