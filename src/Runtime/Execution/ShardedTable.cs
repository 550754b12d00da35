using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// One table of the model bound to a <see cref="ShardedDataSource"/>: what generated repositories
/// call. Each method routes (a key to its shard and worker for a distributed table; a copy for a
/// reference table; the coordinator for a local one), runs one of the table's precompiled
/// statements there, and reports failures with the table, shard and worker named.
/// </summary>
public sealed class ShardedTable
{
    private readonly Executor _executor;

    internal ShardedTable(ShardedDataSource source, TableDefinition definition, int index)
    {
        Source = source;
        Definition = definition;
        Index = index;
        _executor = new Executor(source, index, isQuery: false);
        _bulkInsertNames = new CallNames(definition.Name, "COPY");
    }

    /// <summary>What a bulk insert's span and measurements are called: <c>COPY {table}</c>.</summary>
    private readonly CallNames _bulkInsertNames;

    public ShardedDataSource Source { get; }

    public TableDefinition Definition { get; }

    /// <summary>The table's position in the data source's schema; the index the shard map uses.</summary>
    internal int Index { get; }

    /// <summary>Reads at most one row: from the key's shard, or from one copy of a reference table, or the coordinator.</summary>
    public Task<T?> QuerySingleAsync<TArgs, T>(
        ShardKey key, int statement, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
        => _executor.SingleAsync(statement, key, args, bind, read, cancellationToken);

    /// <summary>Reads every row the statement returns, from the same place as <see cref="QuerySingleAsync{TArgs, T}"/>.</summary>
    public Task<List<T>> QueryListAsync<TArgs, T>(
        ShardKey key, int statement, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
        => _executor.ListAsync(statement, key, args, bind, read, cancellationToken);

    /// <summary>
    /// Runs a write and returns the rows it affected: on the key's shard; on every copy of a
    /// reference table (the count of the coordinator's copy is returned); on the coordinator for a local table.
    /// </summary>
    public Task<int> ExecuteAsync<TArgs>(
        ShardKey key, int statement, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind,
        CancellationToken cancellationToken)
        => _executor.ExecuteAsync(statement, key, args, bind, cancellationToken);

    /// <summary>
    /// Runs a parameterless read on every shard of a distributed table (each worker's shards in one
    /// batch, workers in parallel) and concatenates the rows in shard order; on one copy for the other kinds.
    /// </summary>
    public Task<List<T>> QueryAllShardsAsync<T>(int statement, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
        => _executor.AllShardsAsync(statement, read, cancellationToken);

    /// <summary>
    /// Inserts many rows of a distributed table with binary <c>COPY</c>: each row goes to the shard of
    /// <paramref name="key"/>(row), gathered per shard in batches, one connection per worker, the workers
    /// written in parallel while <paramref name="rows"/> is still being read. All in one transaction (the
    /// ambient one, or the call's own, committed with two-phase commit when it reached several workers): on
    /// failure or cancellation no row of the call is left. <paramref name="progress"/> hears of every batch
    /// written, from the workers' tasks (concurrently); its rows count as inserted only once the call returns.
    /// Generated repositories expose it as <c>BulkInsertAsync</c>.
    /// </summary>
    /// <returns>The number of rows inserted.</returns>
    public Task<long> BulkInsertAsync<T>(
        IEnumerable<T> rows, Func<T, ShardKey> key, Action<NpgsqlBinaryImporter, T> write,
        IProgress<BulkInsertProgress>? progress, BulkInsertOptions? options, CancellationToken cancellationToken)
        => BulkInsert<T>.RunAsync(Source, Index, _bulkInsertNames, rows, key, write, progress, options, cancellationToken);

    /// <summary>As <see cref="BulkInsertAsync{T}(IEnumerable{T}, Func{T, ShardKey}, Action{NpgsqlBinaryImporter, T}, IProgress{BulkInsertProgress}?, BulkInsertOptions?, CancellationToken)"/>, reading the rows as they come.</summary>
    public Task<long> BulkInsertAsync<T>(
        IAsyncEnumerable<T> rows, Func<T, ShardKey> key, Action<NpgsqlBinaryImporter, T> write,
        IProgress<BulkInsertProgress>? progress, BulkInsertOptions? options, CancellationToken cancellationToken)
        => BulkInsert<T>.RunAsync(Source, Index, _bulkInsertNames, rows, key, write, progress, options, cancellationToken);
}
