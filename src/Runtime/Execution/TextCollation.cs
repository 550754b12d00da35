using Npgsql;

namespace ShardGen;

/// <summary>
/// How a merge orders text: as the workers' database collation does, so that a merged ORDER BY, min or
/// max agrees with one server. Under "C" or "POSIX" (and the builtin provider) that is code point order,
/// compared here without a round trip. Under any other collation (libc <c>en_US.UTF-8</c>, ICU) .NET cannot
/// reproduce the server's order (glibc and ICU tailorings, versions and tie-breaks differ), so a server
/// with the workers' collation sorts the text values in question and the merge compares their ranks.
/// </summary>
internal sealed class TextCollation
{
    // The server sorts the values under the database's default collation, which is what every text sort
    // key of a ShardGen query has: generated DDL declares no column collation and COLLATE is refused
    // at build time. Deterministic collations break ties between different strings by their bytes,
    // so distinct values get distinct ranks.
    private const string RankSql = "SELECT u.i FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY u.v";

    private readonly Node? _ranker;

    private TextCollation(Node? ranker) => _ranker = ranker;

    /// <summary>Code point order: the workers' collation is "C" or "POSIX".</summary>
    public static TextCollation CodePoint { get; } = new(null);

    public bool IsCodePoint => _ranker is null;

    /// <summary>
    /// The text order of a call's workers, which must all have the same default collation. Ranks are
    /// computed on the coordinator when it has that collation too (the merge already holds a connection
    /// to every worker; asking a worker for another could wait on its pool's cap), else on the first worker.
    /// </summary>
    public static async Task<TextCollation> OfAsync(Node coordinator, IReadOnlyList<Node> workers, CancellationToken cancellationToken)
    {
        var collation = await DatabaseCollation.OfAsync(workers[0], cancellationToken).ConfigureAwait(false);
        foreach (var worker in workers.Skip(1))
        {
            var other = await DatabaseCollation.OfAsync(worker, cancellationToken).ConfigureAwait(false);
            if (other != collation)
            {
                throw new ShardGenException(
                    $"Workers '{workers[0].Name}' and '{worker.Name}' sort text differently ({collation} and {other}): rows merged from both "
                    + "cannot be in the order one server would give. Create every worker's database with the same locale.");
            }
        }

        if (collation.SortsByCodePoint)
        {
            return CodePoint;
        }

        DatabaseCollation? onCoordinator;
        try
        {
            onCoordinator = await DatabaseCollation.OfAsync(coordinator, cancellationToken).ConfigureAwait(false);
        }
        catch (ShardGenException)
        {
            // A coordinator that cannot answer leaves the ranking to a worker.
            onCoordinator = null;
        }

        return new TextCollation(onCoordinator == collation ? coordinator : workers[0]);
    }

    /// <summary>The order of <paramref name="values"/> (and of no others) under the collation.</summary>
    public async Task<TextOrder> RankAsync(IEnumerable<string> values, CancellationToken cancellationToken)
    {
        if (_ranker is null)
        {
            return TextOrder.CodePoint;
        }

        var distinct = values.Distinct(StringComparer.Ordinal).ToArray();
        var ranks = new Dictionary<string, int>(distinct.Length, StringComparer.Ordinal);
        if (distinct.Length == 1)
        {
            ranks[distinct[0]] = 0;
        }
        else if (distinct.Length > 1)
        {
            try
            {
                await using var connection = await _ranker.OpenConnectionAsync(null, null, cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand(RankSql, connection);
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = distinct });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ranks[distinct[reader.GetInt64(0) - 1]] = ranks.Count;
                }
            }
            catch (Exception ex) when (Failures.IsServerFailure(ex))
            {
                throw new ShardGenException($"Merged rows order text under the collation of node '{_ranker.Name}' ({_ranker.Host}:{_ranker.Port}), which could not sort them: {Failures.Underlying(ex, includeDetail: false)}", ex);
            }
        }

        return new TextOrder(ranks);
    }
}

/// <summary>An order of text values: code point order, or the ranks a server gave a set of values.</summary>
internal sealed class TextOrder
{
    private readonly Dictionary<string, int>? _ranks;

    public TextOrder(Dictionary<string, int>? ranks) => _ranks = ranks;

    public static TextOrder CodePoint { get; } = new(null);

    public int Compare(string x, string y)
    {
        if (_ranks is null)
        {
            return SqlValues.CompareCodePoints(x, y);
        }

        return string.Equals(x, y, StringComparison.Ordinal) ? 0 : _ranks[x].CompareTo(_ranks[y]);
    }
}

/// <summary>A database's default collation, as <c>pg_database</c> has it; read once per node.</summary>
/// <param name="Provider"><c>c</c> (libc), <c>i</c> (ICU) or <c>b</c> (builtin, PostgreSQL 17).</param>
/// <param name="Locale">The libc <c>LC_COLLATE</c>, or the ICU or builtin locale.</param>
internal sealed record DatabaseCollation(string Provider, string Locale)
{
    // datlocprovider is PostgreSQL 15's; the ICU locale is daticulocale up to 16 and datlocale from 17.
    private const string Sql = """
        SELECT coalesce(to_jsonb(d) ->> 'datlocprovider', 'c'),
               CASE coalesce(to_jsonb(d) ->> 'datlocprovider', 'c')
                    WHEN 'c' THEN d.datcollate
                    ELSE coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') END
          FROM pg_database d
         WHERE d.datname = current_database()
        """;

    /// <summary>"C" and "POSIX" compare bytes, which for UTF-8 is code point order; so do the builtin provider's locales.</summary>
    public bool SortsByCodePoint => Provider == "b" || (Provider == "c" && Locale is "C" or "POSIX");

    public static async Task<DatabaseCollation> OfAsync(Node node, CancellationToken cancellationToken)
    {
        if (node.Collation is { } known)
        {
            return known;
        }

        try
        {
            await using var connection = await node.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(Sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var collation = new DatabaseCollation(reader.GetString(0), reader.IsDBNull(1) ? string.Empty : reader.GetString(1));
            node.Collation = collation;
            return collation;
        }
        catch (Exception ex) when (Failures.IsServerFailure(ex))
        {
            throw new ShardGenException($"The collation of node '{node.Name}' ({node.Host}:{node.Port}), which merged rows are ordered by, could not be read: {Failures.Underlying(ex, includeDetail: false)}", ex);
        }
    }

    public override string ToString() => Provider switch
    {
        "i" => $"ICU locale '{Locale}'",
        "b" => $"builtin locale '{Locale}'",
        _ => $"libc locale '{Locale}'",
    };
}
