using System.Runtime.CompilerServices;
using Npgsql;

namespace ShardGen;

/// <summary>How the partials of one aggregate combine across workers.</summary>
public enum MergeAggregateKind
{
    /// <summary>Counts add up; the result is a bigint.</summary>
    Count,

    /// <summary>Sums add up; NULL when no worker had rows.</summary>
    Sum,

    Min,

    Max,

    /// <summary>A sum and a count, divided at the end as PostgreSQL divides them.</summary>
    Avg,

    /// <summary>count(DISTINCT x): the rows carry the distinct values of x, counted per group at the end (NULL not counted).</summary>
    CountDistinct,
}

/// <summary>One aggregate of a merged aggregation: its kind and where its partials are in a worker row.</summary>
/// <param name="Kind">How partials combine.</param>
/// <param name="Ordinal">The partial (for <see cref="MergeAggregateKind.Avg"/>, the partial sum).</param>
/// <param name="CountOrdinal">For <see cref="MergeAggregateKind.Avg"/>, the partial count; -1 otherwise.</param>
public readonly record struct MergeAggregate(MergeAggregateKind Kind, int Ordinal, int CountOrdinal);

/// <summary>
/// The steps of a fan-out read's merge, as generated code strings them together: rows as values,
/// their order, de-duplication, aggregation and OFFSET/LIMIT. The plan is the generator's; these
/// only carry it out.
/// </summary>
public static class QueryMerge
{
    /// <summary>Reads the current row as values (NULL as null).</summary>
    public static object?[] ReadValues(NpgsqlDataReader reader)
    {
        var values = new object?[reader.FieldCount];
        reader.GetValues(values!);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is DBNull)
            {
                values[i] = null;
            }
        }

        return values;
    }

    /// <summary>The order of an ORDER BY over row ordinals, each ascending or descending with its NULLs first or last.</summary>
    public static MergeOrder Order(params (int Ordinal, bool Descending, bool NullsFirst)[] keys) => new(keys);

    /// <summary>
    /// Combines the workers' partial aggregates per group: a final row holds the group key values
    /// (the first <paramref name="groupKeys"/> values of a worker row), then one value per aggregate.
    /// Without GROUP BY there is always exactly one row, as in PostgreSQL. min and max of text pick by
    /// <paramref name="collation"/>: under a collation other than "C", the candidates of every group are
    /// sorted by a server in one round trip once all rows are in.
    /// </summary>
    internal static async Task<List<object?[]>> AggregateAsync(
        IAsyncEnumerable<object?[]> rows, int groupKeys, MergeAggregate[] aggregates, TextCollation collation, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<ValuesKey, object?[]>();
        var order = new List<object?[]>();
        var distinct = new Dictionary<object?[], HashSet<ValuesKey>[]>(ReferenceEqualityComparer.Instance);
        var candidates = new List<TextCandidates>();
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var key = new ValuesKey(row, groupKeys);
            if (!groups.TryGetValue(key, out var partial))
            {
                groups[key] = row;
                order.Add(row);
                if (aggregates.Any(a => a.Kind == MergeAggregateKind.CountDistinct))
                {
                    var sets = aggregates.Select(_ => new HashSet<ValuesKey>()).ToArray();
                    distinct[row] = sets;
                    AddDistinct(sets, aggregates, row);
                }

                continue;
            }

            if (distinct.TryGetValue(partial, out var values))
            {
                AddDistinct(values, aggregates, row);
            }

            foreach (var aggregate in aggregates)
            {
                var i = aggregate.Ordinal;
                switch (aggregate.Kind)
                {
                    case MergeAggregateKind.CountDistinct:
                        break;
                    case MergeAggregateKind.Min or MergeAggregateKind.Max when !collation.IsCodePoint && partial[i] is string or TextCandidates && row[i] is string text:
                        if (partial[i] is not TextCandidates pending)
                        {
                            pending = new TextCandidates(aggregate.Kind == MergeAggregateKind.Min, (string)partial[i]!);
                            candidates.Add(pending);
                            partial[i] = pending;
                        }

                        pending.Values.Add(text);
                        break;
                    case MergeAggregateKind.Min:
                        partial[i] = SqlValues.Min(partial[i], row[i]);
                        break;
                    case MergeAggregateKind.Max:
                        partial[i] = SqlValues.Max(partial[i], row[i]);
                        break;
                    case MergeAggregateKind.Avg:
                        partial[i] = SqlValues.Add(partial[i], row[i]);
                        partial[aggregate.CountOrdinal] = SqlValues.Add(partial[aggregate.CountOrdinal], row[aggregate.CountOrdinal]);
                        break;
                    default:
                        partial[i] = SqlValues.Add(partial[i], row[i]);
                        break;
                }
            }
        }

        if (candidates.Count > 0)
        {
            var ranks = await collation.RankAsync(candidates.SelectMany(c => c.Values), cancellationToken).ConfigureAwait(false);
            foreach (var pending in candidates)
            {
                pending.Pick(ranks);
            }
        }

        if (groupKeys == 0 && order.Count == 0)
        {
            order.Add(new object?[aggregates.Length == 0 ? 0 : aggregates.Max(a => Math.Max(a.Ordinal, a.CountOrdinal)) + 1]);
        }

        var result = new List<object?[]>(order.Count);
        foreach (var partial in order)
        {
            var final = new object?[groupKeys + aggregates.Length];
            Array.Copy(partial, final, groupKeys);
            for (var a = 0; a < aggregates.Length; a++)
            {
                var aggregate = aggregates[a];
                var value = partial[aggregate.Ordinal];
                final[groupKeys + a] = aggregate.Kind switch
                {
                    MergeAggregateKind.CountDistinct => distinct.TryGetValue(partial, out var sets) ? (long)sets[a].Count : 0L,
                    MergeAggregateKind.Count => value is null ? 0L : SqlValues.To<long>(value),
                    MergeAggregateKind.Avg => SqlValues.Average(value, partial[aggregate.CountOrdinal]),
                    _ => value is TextCandidates pending ? pending.Picked : value,
                };
            }

            result.Add(final);
        }

        return result;
    }

    private static void AddDistinct(HashSet<ValuesKey>[] sets, MergeAggregate[] aggregates, object?[] row)
    {
        for (var a = 0; a < aggregates.Length; a++)
        {
            if (aggregates[a].Kind == MergeAggregateKind.CountDistinct && row[aggregates[a].Ordinal] is { } value)
            {
                sets[a].Add(new ValuesKey([value], 1));
            }
        }
    }

    /// <summary>Keeps the first row of each distinct combination of the given values (NULLs equal, as DISTINCT has it).</summary>
    public static List<object?[]> Distinct(List<object?[]> rows, int[] ordinals)
    {
        var seen = new HashSet<ValuesKey>();
        return rows.Where(row => seen.Add(new ValuesKey(Project(row, ordinals), ordinals.Length))).ToList();
    }

    /// <summary>Streams the first row of each distinct combination of the given values.</summary>
    public static async IAsyncEnumerable<object?[]> Distinct(IAsyncEnumerable<object?[]> rows, int[] ordinals, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var seen = new HashSet<ValuesKey>();
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (seen.Add(new ValuesKey(Project(row, ordinals), ordinals.Length)))
            {
                yield return row;
            }
        }
    }

    /// <summary>OFFSET then LIMIT over merged rows; stops reading (and so releases the workers) once the limit is reached.</summary>
    public static async IAsyncEnumerable<object?[]> SkipTake(IAsyncEnumerable<object?[]> rows, long? offset, long? limit, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "OFFSET must not be negative.");
        }

        if (limit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), "LIMIT must not be negative.");
        }

        if (limit == 0)
        {
            yield break;
        }

        var skipped = 0L;
        var taken = 0L;
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (skipped < (offset ?? 0))
            {
                skipped++;
                continue;
            }

            yield return row;
            if (++taken == limit)
            {
                yield break;
            }
        }
    }

    /// <summary>Rows already in memory as a stream.</summary>
    public static async IAsyncEnumerable<object?[]> AsAsync(List<object?[]> rows)
    {
        foreach (var row in rows)
        {
            yield return row;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public static ShardKey[] Keys(IEnumerable<long> keys) => keys.Select(k => (ShardKey)k).ToArray();

    public static ShardKey[] Keys(IEnumerable<int> keys) => keys.Select(k => (ShardKey)k).ToArray();

    public static ShardKey[] Keys(IEnumerable<string> keys) => keys.Select(k => (ShardKey)k).ToArray();

    public static ShardKey[] Keys(IEnumerable<Guid> keys) => keys.Select(k => (ShardKey)k).ToArray();

    private static object?[] Project(object?[] row, int[] ordinals)
    {
        var values = new object?[ordinals.Length];
        for (var i = 0; i < ordinals.Length; i++)
        {
            values[i] = row[ordinals[i]];
        }

        return values;
    }

    /// <summary>The first values of a row as a key: equal when every value is equal (NULLs equal, byte arrays by content).</summary>
    private readonly struct ValuesKey : IEquatable<ValuesKey>
    {
        private readonly object?[] _values;
        private readonly int _count;

        public ValuesKey(object?[] values, int count)
        {
            _values = values;
            _count = count;
        }

        public bool Equals(ValuesKey other)
        {
            for (var i = 0; i < _count; i++)
            {
                var a = _values[i];
                var b = other._values[i];
                if (a is null || b is null)
                {
                    if (a is not null || b is not null)
                    {
                        return false;
                    }

                    continue;
                }

                if (SqlValues.Compare(a, b) != 0)
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is ValuesKey other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            for (var i = 0; i < _count; i++)
            {
                hash.Add(_values[i] switch
                {
                    null => 0,
                    byte[] bytes => bytes.Length == 0 ? 1 : HashCode.Combine(bytes.Length, bytes[0], bytes[^1]),
                    string text => text.GetHashCode(StringComparison.Ordinal),
                    var value when SqlValues.IsNumber(value) => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture).GetHashCode(),
                    var value => value.GetHashCode(),
                });
            }

            return hash.ToHashCode();
        }
    }

    /// <summary>The text partials of one group's min or max, until a server has ordered them.</summary>
    private sealed class TextCandidates(bool min, string first)
    {
        public List<string> Values { get; } = [first];

        public string? Picked { get; private set; }

        public void Pick(TextOrder ranks)
        {
            var picked = Values[0];
            foreach (var value in Values)
            {
                var c = ranks.Compare(value, picked);
                if (min ? c < 0 : c > 0)
                {
                    picked = value;
                }
            }

            Picked = picked;
        }
    }
}

/// <summary>
/// The ORDER BY of a merge: row ordinals, each ascending or descending with its NULLs first or last.
/// Text compares in code point order here; a merge over workers whose collation is not "C" compares it
/// by ranks a server computed (<see cref="ShardedQuery.MergeAsync{TArgs}"/>, <see cref="ShardedQuery.SortAsync"/>).
/// </summary>
public sealed class MergeOrder
{
    private readonly (int Ordinal, bool Descending, bool NullsFirst)[] _keys;

    public MergeOrder(params (int Ordinal, bool Descending, bool NullsFirst)[] keys) => _keys = keys;

    /// <summary>Compares two rows, text in code point order (PostgreSQL's "C" collation).</summary>
    public int Compare(object?[] a, object?[] b) => Compare(a, b, TextOrder.CodePoint);

    internal int Compare(object?[] a, object?[] b, TextOrder text)
    {
        foreach (var (ordinal, descending, nullsFirst) in _keys)
        {
            var result = SqlValues.Order(a[ordinal], b[ordinal], descending, nullsFirst, text);
            if (result != 0)
            {
                return result;
            }
        }

        return 0;
    }

    /// <summary>The text values the order compares in <paramref name="rows"/>: what a server ranks.</summary>
    internal IEnumerable<string> TextValues(IEnumerable<object?[]> rows)
    {
        foreach (var row in rows)
        {
            foreach (var key in _keys)
            {
                if (row[key.Ordinal] is string text)
                {
                    yield return text;
                }
            }
        }
    }
}

/// <summary>
/// The comparisons of a <c>HAVING</c> evaluated on merged groups, in SQL's three-valued logic: numbers,
/// times and the like as <see cref="SqlValues.Compare(object, object)"/> compares them, text as the
/// workers' collation orders it (<see cref="ShardedQuery.HavingAsync"/>).
/// </summary>
public sealed class HavingComparer
{
    private readonly TextOrder _text;
    private readonly List<string>? _compared;

    internal HavingComparer(TextOrder text, List<string>? compared)
    {
        _text = text;
        _compared = compared;
    }

    /// <summary>Null when either side is NULL; otherwise <paramref name="test"/> of their comparison.</summary>
    public bool? Compare(object? a, object? b, Func<int, bool> test)
    {
        if (a is null || b is null)
        {
            return null;
        }

        if (_compared is not null && a is string x && b is string y)
        {
            _compared.Add(x);
            _compared.Add(y);
        }

        return test(SqlValues.Compare(a, b, _text));
    }
}
