using System.Collections;
using System.Reflection;
using Npgsql;
using ShardGen.Tests.Infrastructure;

namespace ShardGen.Tests.Differential;

/// <summary>
/// PostgreSQL is the oracle: every [Query] method of <see cref="ShopQueries"/> must return, through
/// ShardGen on the sharded cluster, exactly what its own SQL returns on one plain database holding
/// the same rows — the same rows, with the same types (a numeric with the same scale), and the same
/// order wherever ORDER BY fixes the order. The whole corpus runs on servers of each collation below.
/// </summary>
public abstract class DifferentialQueryTests(DifferentialFixture fixture)
{
    /// <summary>How a result is compared with the oracle's.</summary>
    public enum Order
    {
        /// <summary>No ORDER BY: the same rows, in any order.</summary>
        None,

        /// <summary>ORDER BY fixes every row's place: the same rows in the same order.</summary>
        Total,

        /// <summary>ORDER BY has ties: the same sequence of sort keys, and (without LIMIT) the same rows.</summary>
        Keys,
    }

    public static TheoryData<string, Order, int[], object?[]> Cases => new()
    {
        // router
        { nameof(ShopQueries.CustomerById), Order.None, [], [7L, 3L] },
        { nameof(ShopQueries.CustomerById), Order.None, [], [7L, 9999L] },
        { nameof(ShopQueries.RecentOrders), Order.Total, [], [7L, "paid"] },
        { nameof(ShopQueries.RecentOrders), Order.Total, [], [2L, "open"] },
        { nameof(ShopQueries.TenantDashboard), Order.Total, [], [4L] },
        { nameof(ShopQueries.TenantTotals), Order.Total, [], [7L] },
        { nameof(ShopQueries.CountOrders), Order.None, [], [7L] },
        { nameof(ShopQueries.CountOrders), Order.None, [], [424242L] },
        { nameof(ShopQueries.LiteralKey), Order.Total, [], [4] },
        { nameof(ShopQueries.StreamTenant), Order.Total, [], [3L] },
        { nameof(ShopQueries.Expressions), Order.Total, [], [7L] },
        { nameof(ShopQueries.CustomersLike), Order.Total, [], [1L, "%a%"] },
        { nameof(ShopQueries.TotalBetween), Order.Total, [], [7L, 100.5m, 250m] },
        { nameof(ShopQueries.StatusIn), Order.Total, [], [12L] },
        { nameof(ShopQueries.RouterOffsetPastEnd), Order.Total, [], [7L] },
        { nameof(ShopQueries.RouterDistinct), Order.Total, [], [5L] },

        // several keys
        { nameof(ShopQueries.CountPerTenant), Order.Total, [], [new long[] { 1, 7, 13, 19, 404 }] },
        { nameof(ShopQueries.CountPerTenant), Order.Total, [], [Array.Empty<long>()] },
        { nameof(ShopQueries.TopOfThree), Order.Total, [], [2L, 7L, 15L] },
        { nameof(ShopQueries.CustomersOf), Order.Total, [], [new List<long> { 3, 4, 5, 6, 20 }] },
        { nameof(ShopQueries.StatusOf), Order.Total, [], [new long[] { 2, 9, 11 }] },

        // every shard
        { nameof(ShopQueries.BigOrders), Order.None, [], [] },
        { nameof(ShopQueries.TopTotals), Order.Total, [], [] },
        { nameof(ShopQueries.TopTotalsPage), Order.Total, [], [10, 5] },
        { nameof(ShopQueries.TopTotalsPage), Order.Total, [], [3, 0] },
        { nameof(ShopQueries.LatestByHiddenColumn), Order.Total, [], [] },
        { nameof(ShopQueries.NullsFirst), Order.Total, [], [] },
        { nameof(ShopQueries.NullsDescending), Order.Total, [], [] },
        { nameof(ShopQueries.Ties), Order.Keys, [1], [] },
        { nameof(ShopQueries.TiesWithLimit), Order.Keys, [1], [] },
        { nameof(ShopQueries.FirstNames), Order.Total, [], [] },
        { nameof(ShopQueries.Statuses), Order.Total, [], [] },
        { nameof(ShopQueries.Quantities), Order.None, [], [] },
        { nameof(ShopQueries.OffsetPastEnd), Order.Total, [], [] },
        { nameof(ShopQueries.StreamSmallOrders), Order.Total, [], [] },
        { nameof(ShopQueries.BigOrdersWithCustomer), Order.Total, [], [] },
        { nameof(ShopQueries.CustomersInRegion), Order.Total, [], ["EU"] },
        { nameof(ShopQueries.OrNotPinned), Order.Total, [], [] },

        // aggregates
        { nameof(ShopQueries.CountAll), Order.None, [], [] },
        { nameof(ShopQueries.Totals), Order.None, [], [] },
        { nameof(ShopQueries.StatusStats), Order.Total, [], [] },
        { nameof(ShopQueries.BusyStatuses), Order.Total, [], [700L] },
        { nameof(ShopQueries.TopQuantities), Order.Total, [], [] },
        { nameof(ShopQueries.BusiestTenants), Order.Total, [], [] },
        { nameof(ShopQueries.TenantsWithPaidOrders), Order.None, [], [] },
        { nameof(ShopQueries.EmptyAggregate), Order.None, [], [] },
        { nameof(ShopQueries.EmptyGroups), Order.None, [], [] },
        { nameof(ShopQueries.Weights), Order.Total, [], [] },
        { nameof(ShopQueries.NameRange), Order.None, [], [] },
        { nameof(ShopQueries.CustomersPerRegion), Order.Total, [], [] },
        { nameof(ShopQueries.OrdersPerNote), Order.Total, [], [] },
        { nameof(ShopQueries.BigTenants), Order.Total, [], [] },
        { nameof(ShopQueries.SkuStats), Order.Total, [], [] },
        { nameof(ShopQueries.DistinctCustomersPerStatus), Order.Total, [], [] },
        { nameof(ShopQueries.DistinctNotes), Order.None, [], [] },
        { nameof(ShopQueries.QuantitiesWithEveryStatus), Order.Total, [], [new long[] { 3, 7, 12, 18 }] },

        // text order under the servers' collation; merged values at PostgreSQL's type and scale
        { nameof(ShopQueries.FirstFiftyByName), Order.Keys, [2], [] },
        { nameof(ShopQueries.EveryOrderByCustomerName), Order.Total, [], [] },
        { nameof(ShopQueries.DistinctNames), Order.Total, [], [] },
        { nameof(ShopQueries.NamesDescending), Order.Total, [], [] },
        { nameof(ShopQueries.NamesPerTier), Order.Total, [], [] },
        { nameof(ShopQueries.StatusesWithNotesBefore), Order.Total, [], ["Gift"] },
        { nameof(ShopQueries.StatusesWithNotesBefore), Order.Total, [], ["h"] },
        { nameof(ShopQueries.RepeatedTotals), Order.Total, [], [] },
        { nameof(ShopQueries.QuantityMeans), Order.Total, [], [] },

        // subqueries and common table expressions
        { nameof(ShopQueries.PaidOfTenant), Order.Total, [], [7L] },
        { nameof(ShopQueries.CustomersWithBigOrders), Order.Total, [], [4L] },
        { nameof(ShopQueries.CountriesOfTenant), Order.Total, [], [3L] },
        { nameof(ShopQueries.CustomersOfTenantsWithHugeOrders), Order.Total, [], [] },
        { nameof(ShopQueries.CustomersOfTenantsWithAnyHugeOrder), Order.Total, [], [] },
        { nameof(ShopQueries.OrdersAboveAllOpenOfTenant), Order.Total, [], [7L] },
        { nameof(ShopQueries.OrdersAboveAllOpenOfTenant), Order.Total, [], [3L] },
        { nameof(ShopQueries.CustomersWithoutOrders), Order.Total, [], [] },
        { nameof(ShopQueries.CustomersByOrderCount), Order.Total, [], [] },
        { nameof(ShopQueries.AboveTenantAverage), Order.Total, [], [] },

        // subqueries in FROM and CTEs partitioned by the key
        { nameof(ShopQueries.BusiestTenantsFromSubquery), Order.Total, [], [] },
        { nameof(ShopQueries.LoyalCustomers), Order.Total, [], [] },
        { nameof(ShopQueries.TenantsAboveTwentyThousand), Order.None, [], [] },
        { nameof(ShopQueries.StatusesOfTenantFromSubquery), Order.Total, [], [7L] },

        // FILTER
        { nameof(ShopQueries.PaidOfOneTenant), Order.None, [], [7L] },
        { nameof(ShopQueries.PaidPerQuantity), Order.Total, [], [] },

        // DISTINCT ON
        { nameof(ShopQueries.BiggestOrderPerCustomer), Order.Total, [], [7L] },
        { nameof(ShopQueries.BiggestOrderPerTenant), Order.Total, [], [] },
        { nameof(ShopQueries.LatestPerTenantAndStatus), Order.Total, [], [] },

        // set operations
        { nameof(ShopQueries.BigOrdersAndCustomersOfTenant), Order.Total, [], [7L] },
        { nameof(ShopQueries.CustomersWithoutPaidOrders), Order.Total, [], [3L] },
        { nameof(ShopQueries.EuropeThenAsia), Order.Total, [], [] },
        { nameof(ShopQueries.BigOrdersAndTopCustomers), Order.Total, [], [] },
        { nameof(ShopQueries.UnionAllUnordered), Order.None, [], [] },
        { nameof(ShopQueries.OrdersOfPinnedBranches), Order.Total, [], [7L, 11L] },
        { nameof(ShopQueries.OrdersOfPinnedBranches), Order.Total, [], [3L, 3L] },
        { nameof(ShopQueries.StatusesOfPinnedBranches), Order.None, [], [7L] },
        { nameof(ShopQueries.StatusesOfPinnedBranches), Order.None, [], [2L] },

        // set operations inside subqueries and CTEs, WITH RECURSIVE: pinned to one key, or UNION [ALL] partitioned by the key
        { nameof(ShopQueries.NextOrdersOfCustomer), Order.Total, [], [7L, 1L] },
        { nameof(ShopQueries.NextOrdersOfCustomer), Order.Total, [], [3L, 2L] },
        { nameof(ShopQueries.CustomersWithBigOrSixOrders), Order.Total, [], [7L] },
        { nameof(ShopQueries.PayingNeverCancelled), Order.Total, [], [4L] },
        { nameof(ShopQueries.BigOrdersAndTopCustomersPerTenant), Order.Total, [], [] },
        { nameof(ShopQueries.BigBuyersOrTopCustomers), Order.Total, [], [] },
        { nameof(ShopQueries.SixesAndFirstLines), Order.Total, [], [] },
        { nameof(ShopQueries.SixesAndFirstLinesOfTenant), Order.Total, [], [7L] },

        // window functions
        { nameof(ShopQueries.RankedOrdersOfTenant), Order.Total, [], [7L] },
        { nameof(ShopQueries.BiggestSixPacksPerTenant), Order.Total, [], [] },
        { nameof(ShopQueries.StatusShareWithinTenant), Order.None, [], [] },
        { nameof(ShopQueries.RankedAcrossTenants), Order.Total, [], [] },
        { nameof(ShopQueries.NumberedPerCustomerOfTwoTenants), Order.Total, [], [] },
        { nameof(ShopQueries.StatusesRankedOverTenants), Order.Total, [], [] },

        // named windows: not partitioned by the key (on the coordinator), partitioned by it (on the shards), refined, chained
        { nameof(ShopQueries.NamedWindowAcrossTenants), Order.Total, [], [] },
        { nameof(ShopQueries.ChainedWindowsPerCustomerOfTwoTenants), Order.Total, [], [] },
        { nameof(ShopQueries.RefinedWindowPerStatus), Order.Total, [], [] },
        { nameof(ShopQueries.NamedWindowPerTenant), Order.Total, [], [] },
        { nameof(ShopQueries.RefinedWindowPerTenantAndStatus), Order.Total, [], [] },
        { nameof(ShopQueries.NamedWindowPerTenantWithSubquery), Order.Total, [], [] },
        { nameof(ShopQueries.NamedWindowInSubqueryPerTenant), Order.Total, [], [] },

        // TABLE t over several shards
        { nameof(ShopQueries.EveryCustomer), Order.None, [], [] },
        { nameof(ShopQueries.BiggestLinesPastThree), Order.Total, [], [] },
        { nameof(ShopQueries.LinesAndBigLinesAgain), Order.Total, [], [] },

        // distributed rows brought to the coordinator
        { nameof(ShopQueries.CustomersPerCountryWithEmpty), Order.Total, [], [] },
        { nameof(ShopQueries.CountriesOfOneTenantWithEmpty), Order.Total, [], [5L] },
        { nameof(ShopQueries.BigOrdersPerSetting), Order.Total, [], [] },
        { nameof(ShopQueries.OrdersOfTenantWithSetting), Order.Total, [], [7L] },

        // pinned to one key: PostgreSQL's operators, arrays, full text, regular expressions, rows, LATERAL functions,
        // ordered-set aggregates and grouping sets, run as written on the key's shard
        { nameof(ShopQueries.JsonOfTenant), Order.Total, [], [7L, "{\"q\": 3}"] },
        { nameof(ShopQueries.JsonOfTenant), Order.Total, [], [4L, "{\"tags\": [\"gift\"]}"] },
        { nameof(ShopQueries.ArraysOfTenant), Order.Total, [], [7L, new[] { "paid", "Gift" }] },
        { nameof(ShopQueries.ArraysOfTenant), Order.Total, [], [12L, Array.Empty<string>()] },
        { nameof(ShopQueries.CustomersMatching), Order.Total, [], [7L, "ada"] },
        { nameof(ShopQueries.CustomersMatching), Order.Total, [], [3L, "Bob 2"] },
        { nameof(ShopQueries.CustomersByRegex), Order.Total, [], [7L, "^(a|z)"] },
        { nameof(ShopQueries.OrdersPageBefore), Order.Total, [], [7L, new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero), 700L] },
        { nameof(ShopQueries.OrdersPageBefore), Order.Total, [], [9L, new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero), 1L] },
        { nameof(ShopQueries.StepsOfOrders), Order.Total, [], [7L] },
        { nameof(ShopQueries.NotePieces), Order.Total, [], [5L] },
        { nameof(ShopQueries.MedianOfTenant), Order.None, [], [7L] },
        { nameof(ShopQueries.MedianOfTenant), Order.None, [], [424242L] },
        { nameof(ShopQueries.GroupingSetsOfTenant), Order.Total, [], [7L] },
        { nameof(ShopQueries.RollupOfTenant), Order.Total, [], [11L] },
        { nameof(ShopQueries.CustomersAsXml), Order.Total, [], [7L] },
        { nameof(ShopQueries.TagsOfCustomers), Order.Total, [], [7L] },
        { nameof(ShopQueries.SampleOfTenant), Order.None, [], [7L] },
        { nameof(ShopQueries.EveryCountry), Order.Total, [], [] },
        { nameof(ShopQueries.CountriesOfRegionAndEvery), Order.Keys, [0, 2], ["EU"] },

        // key conditions written as expressions, routed to the key's shard
        { nameof(ShopQueries.FoldedKey), Order.Total, [], [] },
        { nameof(ShopQueries.CastKey), Order.Total, [], [] },
        { nameof(ShopQueries.ComputedKey), Order.Total, [], [6L] },
        { nameof(ShopQueries.ComputedKey), Order.Total, [], [long.MaxValue - 1] },
        { nameof(ShopQueries.ComputedKeyJoined), Order.Total, [], [4L] },

        // key = ANY(ARRAY[...]), on the listed keys' shards
        { nameof(ShopQueries.CountPerTenantOfArray), Order.Total, [], [11L] },
        { nameof(ShopQueries.CountPerTenantOfArray), Order.Total, [], [7L] },
        { nameof(ShopQueries.StatusOfArray), Order.Total, [], [2L, 9L] },

        // reference and local
        { nameof(ShopQueries.CountriesIn), Order.Total, [], ["EU"] },
        { nameof(ShopQueries.Settings), Order.Total, [], [] },
    };

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task A_query_returns_what_PostgreSQL_returns_for_the_same_SQL(string method, Order order, int[] keys, object?[] arguments)
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var queries = new ShopQueries(fixture.Source);
        var info = typeof(ShopQueries).GetMethod(method)!;
        var sql = info.GetCustomAttribute<QueryAttribute>()!.Sql;

        var sharded = await RunAsync(queries, info, arguments);
        var oracle = await OracleAsync(info, sql, arguments);

        var expected = oracle.Select(Comparable.Row).ToList();
        var actual = sharded.Select(Comparable.Row).ToList();
        Assert.True(expected.Count == actual.Count, $"{method}: the oracle returned {expected.Count} rows, ShardGen {actual.Count}.\nSQL: {sql}\noracle: {string.Join("; ", expected.Take(10))}\nshardgen: {string.Join("; ", actual.Take(10))}");
        switch (order)
        {
            case Order.Total:
                for (var i = 0; i < expected.Count; i++)
                {
                    Assert.True(expected[i] == actual[i], $"{method}: row {i} differs.\noracle:   {expected[i]}\nshardgen: {actual[i]}\nSQL: {sql}");
                }

                break;
            case Order.Keys:
                var expectedKeys = oracle.Select(r => Comparable.Row(keys.Select(k => r[k]).ToArray())).ToList();
                var actualKeys = sharded.Select(r => Comparable.Row(keys.Select(k => r[k]).ToArray())).ToList();
                Assert.Equal(expectedKeys, actualKeys);
                if (!sql.Contains("LIMIT", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
                }

                break;
            default:
                Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
                break;
        }
    }

    /// <summary>The default collation every server of the fixture is created with, as <c>pg_database</c> names it.</summary>
    protected abstract string Collation { get; }

    [SkippableFact]
    public async Task Every_server_has_the_collation_and_it_decides_the_order_of_the_names()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        foreach (var node in fixture.Nodes)
        {
            var collation = await Sql.ScalarAsync<string>(node, """
                SELECT CASE to_jsonb(d) ->> 'datlocprovider' WHEN 'i' THEN 'icu ' || coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') ELSE 'libc ' || d.datcollate END
                  FROM pg_database d WHERE d.datname = current_database()
                """);
            Assert.Equal(Collation, collation);
        }

        // The corpus's names sort differently under every collation but "C": the merges are put to the test.
        var names = await Sql.ColumnAsync<string>(fixture.Oracle, "SELECT name FROM customers ORDER BY name");
        var byCodePoint = names.Order(StringComparer.Ordinal).ToList();
        if (Collation is "libc C" or "libc C.UTF-8" or "libc POSIX")
        {
            Assert.Equal(byCodePoint, names);
        }
        else
        {
            Assert.NotEqual(byCodePoint, names);
        }
    }

    /// <summary>Calls the generated method and turns its result (list, single row, scalar or stream) into rows of values.</summary>
    internal static async Task<List<object?[]>> RunAsync(object target, MethodInfo method, object?[] arguments)
    {
        var parameters = method.GetParameters();
        var call = new object?[parameters.Length];
        for (var i = 0; i < call.Length; i++)
        {
            call[i] = i < arguments.Length ? arguments[i] : parameters[i].HasDefaultValue ? parameters[i].DefaultValue : Type.Missing;
        }

        var result = method.Invoke(target, call);
        object? value;
        if (result is Task task)
        {
            await task;
            value = task.GetType().GetProperty("Result")?.GetValue(task);
        }
        else
        {
            var element = method.ReturnType.GetGenericArguments()[0];
            var list = typeof(DifferentialQueryTests).GetMethod(nameof(ToListAsync), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(element);
            value = await (Task<IList>)list.Invoke(null, [result])!;
        }

        return value switch
        {
            null => [],
            IList rows => rows.Cast<object?>().Select(ValuesOf).ToList(),
            _ => [ValuesOf(value)],
        };
    }

    private static async Task<IList> ToListAsync<T>(IAsyncEnumerable<T> rows)
    {
        var list = new List<T>();
        await foreach (var row in rows)
        {
            list.Add(row);
        }

        return list;
    }

    private static object?[] ValuesOf(object? row)
    {
        if (row is null || row is string || row.GetType().IsPrimitive || row is decimal or DateTimeOffset or DateTime or Guid)
        {
            return [row];
        }

        // Record properties in declaration order: the select-list order.
        return row.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name != "EqualityContract")
            .OrderBy(p => p.MetadataToken)
            .Select(p => p.GetValue(row))
            .ToArray();
    }

    private async Task<List<object?[]>> OracleAsync(MethodInfo method, string sql, object?[] arguments)
    {
        await using var connection = new NpgsqlConnection(fixture.Oracle);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var parameters = method.GetParameters();
        for (var i = 0; i < arguments.Length; i++)
        {
            var value = arguments[i] is List<long> list ? list.ToArray() : arguments[i];
            command.Parameters.Add(new NpgsqlParameter(parameters[i].Name, value ?? DBNull.Value));
        }

        var rows = new List<object?[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        // A single-row method (Task<T?>) returns null where the oracle returns no row, and a row
        // where it returns one; the same holds for rows.
        return rows;
    }
}

/// <summary>Servers in the "C" locale: text in code point order, which the merge compares itself.</summary>
[Collection("differential")]
public sealed class CollationCQueryTests(DifferentialFixture fixture) : DifferentialQueryTests(fixture)
{
    protected override string Collation => "libc C";

    [Fact]
    public void The_corpus_covers_every_query_method_and_has_at_least_forty_queries()
    {
        var methods = typeof(ShopQueries).GetMethods().Where(m => m.GetCustomAttribute<QueryAttribute>() is not null).Select(m => m.Name).ToHashSet();
        var covered = Cases.Select(c => (string)c[0]).ToHashSet();
        Assert.Empty(methods.Except(covered));
        Assert.True(methods.Count >= 40, $"{methods.Count} query methods");
    }
}

/// <summary>Servers in glibc's en_US.UTF-8: text merged by ranks a server computes.</summary>
[Collection("differential-libc-en-US")]
public sealed class CollationLibcEnUsQueryTests(LibcEnUsFixture fixture) : DifferentialQueryTests(fixture)
{
    protected override string Collation => "libc en_US.UTF-8";
}

/// <summary>Servers whose default collation is ICU's en-US.</summary>
[Collection("differential-icu-en-US")]
public sealed class CollationIcuEnUsQueryTests(IcuEnUsFixture fixture) : DifferentialQueryTests(fixture)
{
    protected override string Collation => "icu en-US";
}

/// <summary>Servers whose default collation is ICU's root locale.</summary>
[Collection("differential-icu-und")]
public sealed class CollationIcuRootQueryTests(IcuRootFixture fixture) : DifferentialQueryTests(fixture)
{
    protected override string Collation => "icu und";
}

/// <summary>
/// The corpus through the Citus engine: router queries on the node holding the shard, everything else sent to Citus as
/// written. Every node must have the coordinator's collation.
/// </summary>
[Collection("differential-citus")]
public sealed class CitusQueryTests(CitusDifferentialFixture fixture) : DifferentialQueryTests(fixture)
{
    protected override string Collation => fixture.Collation;
}
