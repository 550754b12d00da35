using System.Runtime.CompilerServices;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// One planned <c>[Query]</c> bound to a <see cref="ShardedDataSource"/>: what generated query methods
/// call. The statement text of every shard (and of every worker, for fan-outs that combine their
/// shards) is written out once per <see cref="ShardMap"/> snapshot; a call routes, picks strings and runs
/// them. Parameters are positional (<c>$1</c>...), bound by <c>bind</c> once per command; the same
/// parameters serve every shard's statement.
/// </summary>
/// <remarks>
/// Router, reference and local queries use <see cref="ListAsync{TArgs, T}"/>, <see cref="SingleAsync{TArgs, T}"/>,
/// <see cref="StreamAsync{TArgs, T}"/> and <see cref="ExecuteAsync{TArgs}"/>; fan-out queries (and router
/// queries over several keys) use <see cref="FanOutAsync{TArgs, T}"/> and <see cref="ExecuteFanOutAsync{TArgs}"/>.
/// Every failure of a node or statement is a <see cref="ShardOperationException"/> naming the query,
/// the table, the shard (or the worker's shards) and the worker.
/// </remarks>
public sealed class ShardedQuery
{
    private readonly Executor _executor;

    internal ShardedQuery(ShardedDataSource source, QueryDefinition definition, int index)
    {
        Source = source;
        Definition = definition;
        _executor = new Executor(source, index, isQuery: true);
    }

    public ShardedDataSource Source { get; }

    public QueryDefinition Definition { get; }

    /// <summary>
    /// Every row: from the shard holding <paramref name="key"/> (router), from one reference copy
    /// (rotating over the workers, failing over to another copy when a node cannot be reached), or from
    /// the coordinator (local). <paramref name="key"/> is <see cref="ShardKey.None"/> for reference and local queries.
    /// </summary>
    public Task<List<T>> ListAsync<TArgs, T>(
        ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
    {
        EnsureOneTarget();
        return _executor.ListAsync(0, key, args, bind, read, cancellationToken);
    }

    /// <summary>The first row, or default when there is none; from the same place as <see cref="ListAsync{TArgs, T}"/>.</summary>
    public Task<T?> SingleAsync<TArgs, T>(
        ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
    {
        EnsureOneTarget();
        return _executor.SingleAsync(0, key, args, bind, read, cancellationToken);
    }

    /// <summary>
    /// The rows as they arrive, from the same place as <see cref="ListAsync{TArgs, T}"/>. Stopping early
    /// cancels the statement on the server; a reference read fails over only before its first row.
    /// </summary>
    public async IAsyncEnumerable<T> StreamAsync<TArgs, T>(
        ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        EnsureOneTarget();
        await foreach (var row in _executor.StreamAsync(0, key, args, bind, read, cancellationToken).ConfigureAwait(false))
        {
            yield return row;
        }
    }

    /// <summary>
    /// Runs a write and returns the rows it affected: on the shard holding <paramref name="key"/>
    /// (router); on every reference copy in one fixed node order, coordinator then workers, returning the
    /// coordinator copy's count (reference; all copies commit together with two-phase commit, in the
    /// ambient <see cref="ShardedTransaction"/> or in one of their own); on the coordinator (local).
    /// </summary>
    public Task<int> ExecuteAsync<TArgs>(
        ShardKey key, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind,
        CancellationToken cancellationToken)
    {
        EnsureOneTarget();
        return _executor.ExecuteAsync(0, key, args, bind, cancellationToken);
    }

    /// <summary>
    /// A read over several shards of the routing table's colocation group: every shard when
    /// <paramref name="keys"/> is null, else only the shards holding those keys (none: no statement, no
    /// rows). One connection per worker, workers in parallel; each worker runs one statement (its
    /// shards' statements combined between <see cref="QueryDefinition.WorkerPrefix"/> and
    /// <see cref="QueryDefinition.WorkerSuffix"/>) or, without a prefix, one batch of its shards' statements.
    /// </summary>
    /// <param name="keys">The keys whose shards to read; null for all shards.</param>
    /// <param name="args">The parameters' values, handed to <paramref name="bind"/>.</param>
    /// <param name="bind">Adds the parameters to a fresh collection; called once per command.</param>
    /// <param name="read">Reads the current row.</param>
    /// <param name="order">
    /// Null: the workers' rows concatenated, each worker's in the order they come. Given: a streaming
    /// k-way merge of the workers' rows, which must each be sorted the same way already (by the worker
    /// suffix's <c>ORDER BY</c>); the row <paramref name="order"/> puts first comes first. Needs a worker prefix.
    /// </param>
    /// <param name="options">Whether the rows of healthy workers are returned when one fails, and which shards failed.</param>
    /// <param name="cancellationToken">Cancels every worker's statement; the connections go back to their pools.</param>
    /// <remarks>
    /// Rows are streamed: nothing is loaded ahead beyond what Npgsql buffers, and stopping early
    /// cancels the workers' statements. Without <see cref="QueryOptions.AllowPartialResults"/>, the first
    /// failure throws and the other workers' statements are cancelled.
    /// </remarks>
    public async IAsyncEnumerable<T> FanOutAsync<TArgs, T>(
        IReadOnlyList<ShardKey>? keys, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, Func<NpgsqlDataReader, T> read,
        Comparison<T>? order, QueryOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        EnsureShards();
        await foreach (var row in _executor.FanOutAsync(0, keys, args, bind, read, order, options, combine: true, cancellationToken).ConfigureAwait(false))
        {
            yield return row;
        }
    }

    /// <summary>
    /// A read over several shards, as <see cref="FanOutAsync{TArgs, T}"/>, whose rows (as values) are merged
    /// by <paramref name="order"/> as one server would sort them: each worker sorts its rows (by the worker
    /// suffix's <c>ORDER BY</c>) and the workers' streams are merged. Text compares as the workers' database
    /// collation does: in code point order under "C" or "POSIX"; under any other collation, a server with
    /// that collation ranks the text values of the rows read ahead (one round trip per block of up to 1,000
    /// rows per worker), and the merge compares ranks.
    /// </summary>
    public async IAsyncEnumerable<object?[]> MergeAsync<TArgs>(
        IReadOnlyList<ShardKey>? keys, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind, MergeOrder order, QueryOptions? options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        EnsureShards();
        await foreach (var row in _executor.MergeAsync(0, keys, args, bind, order, options, cancellationToken).ConfigureAwait(false))
        {
            yield return row;
        }
    }

    /// <summary>
    /// Combines the workers' partial aggregates per group (see <see cref="MergeAggregateKind"/>); min and max of
    /// text pick as the workers' collation orders text.
    /// </summary>
    public async Task<List<object?[]>> AggregateAsync(IAsyncEnumerable<object?[]> rows, int groupKeys, MergeAggregate[] aggregates, CancellationToken cancellationToken)
    {
        EnsureShards();
        var collation = await _executor.TextCollationAsync(cancellationToken).ConfigureAwait(false);
        return await QueryMerge.AggregateAsync(rows, groupKeys, aggregates, collation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps the merged groups that <paramref name="having"/> holds true for, its comparisons made by the
    /// <see cref="HavingComparer"/> it is given: text as the workers' collation orders it. Under a collation
    /// other than "C", a first pass collects the text values compared, a server ranks them, and a second pass decides.
    /// </summary>
    public async Task HavingAsync(List<object?[]> groups, Func<object?[], HavingComparer, bool?> having, CancellationToken cancellationToken)
    {
        EnsureShards();
        var collation = await _executor.TextCollationAsync(cancellationToken).ConfigureAwait(false);
        var text = TextOrder.CodePoint;
        if (!collation.IsCodePoint)
        {
            var compared = new List<string>();
            var recorder = new HavingComparer(TextOrder.CodePoint, compared);
            foreach (var group in groups)
            {
                having(group, recorder);
            }

            text = await collation.RankAsync(compared, cancellationToken).ConfigureAwait(false);
        }

        var comparer = new HavingComparer(text, null);
        groups.RemoveAll(group => having(group, comparer) != true);
    }

    /// <summary>Sorts merged rows (groups, after aggregation) by <paramref name="order"/>, text as the workers' collation orders it.</summary>
    public async Task SortAsync(List<object?[]> rows, MergeOrder order, CancellationToken cancellationToken)
    {
        EnsureShards();
        var collation = await _executor.TextCollationAsync(cancellationToken).ConfigureAwait(false);
        var ranks = await collation.RankAsync(order.TextValues(rows), cancellationToken).ConfigureAwait(false);
        rows.Sort((a, b) => order.Compare(a, b, ranks));
    }

    /// <summary>
    /// A write over several shards (an <c>UPDATE</c> or <c>DELETE</c> not pinned to one key, or pinned to
    /// several): every shard when <paramref name="keys"/> is null, else the shards holding those keys.
    /// Each worker's shards run as one batch, workers in parallel; returns the sum of the rows affected.
    /// </summary>
    /// <remarks>
    /// Atomic across workers: in the ambient <see cref="ShardedTransaction"/> when there is one, otherwise
    /// in a transaction of its own that commits with two-phase commit when it wrote on more than one
    /// worker. A failing worker does not cancel the others; once all are done, the first failure in
    /// worker order is thrown and nothing is committed anywhere.
    /// </remarks>
    public Task<int> ExecuteFanOutAsync<TArgs>(
        IReadOnlyList<ShardKey>? keys, TArgs args,
        Action<NpgsqlParameterCollection, TArgs> bind,
        CancellationToken cancellationToken)
    {
        EnsureShards();
        return _executor.ExecuteFanOutAsync(0, keys, args, bind, cancellationToken);
    }

    /// <summary>
    /// For generated code: starts the span of a multi-row <c>INSERT</c> split by key into <paramref name="parts"/> routed
    /// calls (this query's and its further parts'), named as this query's call and of kind <c>multi-shard</c>. Dispose it
    /// once the parts and their commit are done, after <see cref="SplitCall.Fail"/> if they failed.
    /// </summary>
    public SplitCall StartSplitCall(int parts) => _executor.StartSplitCall(parts);

    public override string ToString() => Definition.Name;

    private void EnsureOneTarget()
    {
        // On Citus a query with its statement as written is one statement, sent to Citus (docs/citus.md).
        if (Definition.Target == QueryTarget.FanOut && !(Source.Engine == ShardEngine.Citus && Definition.AsWritten is not null))
        {
            throw new InvalidOperationException(
                $"Query '{Definition.Name}' runs on several shards of table '{Definition.RoutingTable}': call FanOutAsync or ExecuteFanOutAsync.");
        }
    }

    private void EnsureShards()
    {
        if (Definition.Target is not (QueryTarget.FanOut or QueryTarget.Router))
        {
            throw new InvalidOperationException(
                $"Query '{Definition.Name}' is a {Definition.Target.ToString().ToLowerInvariant()} query: it has no shards to fan out over; call ListAsync, SingleAsync, StreamAsync or ExecuteAsync.");
        }
    }
}
