using Microsoft.CodeAnalysis;
using ShardGen.Generator.Model;

namespace ShardGen.Generator.Tests;

/// <summary>
/// Key conditions written as expressions: folded at build time to the key's literal, or computed by the generated code
/// from the parameters, for keys of each type; what PostgreSQL would raise an error for is not folded.
/// </summary>
public sealed class KeyValueTests
{
    private const string Tables = """
        using System;
        using ShardGen;

        namespace Sample.Keys;

        [Distributed(nameof(TenantId))]
        public sealed record Order(long TenantId, long Id, string Status);

        [Distributed(nameof(ShopId), Colocation = "shops")]
        public sealed record Shop(int ShopId, long Id);

        [Distributed(nameof(DeviceId), Colocation = "devices")]
        public sealed record Reading(Guid DeviceId, long Id);

        [Distributed(nameof(Code), Colocation = "accounts")]
        public sealed record Account(string Code, long Id);

        public sealed record IdRow(long Id);
        """;

    private const string Queries = """
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using ShardGen;

        namespace Sample.Keys;

        public sealed partial class KeyQueries
        {
            public KeyQueries(ShardedDataSource source) => Source = source;

            public ShardedDataSource Source { get; }

            [Query("SELECT id FROM orders WHERE tenant_id = 40 + 2")]
            public partial Task<List<IdRow>> Folded();

            [Query("SELECT id FROM orders WHERE tenant_id = -(7 * 6) / 2 % 4 + '3'::bigint")]
            public partial Task<List<IdRow>> FoldedMixed();

            [Query("SELECT id FROM orders WHERE tenant_id = CAST(2.5 AS int) + int8 '40'")]
            public partial Task<List<IdRow>> RoundedCast();

            [Query("SELECT id FROM orders WHERE tenant_id = @t * 2 - 1")]
            public partial Task<List<IdRow>> Computed(int t);

            [Query("SELECT id FROM orders WHERE tenant_id = 2147483647 + 1")]
            public partial Task<List<IdRow>> Overflows();

            [Query("SELECT id FROM orders WHERE tenant_id = 2147483647::bigint + 1")]
            public partial Task<List<IdRow>> WidenedFirst();

            [Query("SELECT id FROM orders WHERE tenant_id = '40000'::smallint")]
            public partial Task<List<IdRow>> OutOfRange();

            [Query("SELECT id FROM shops WHERE shop_id = @s + 1")]
            public partial Task<List<IdRow>> IntKey(long s);

            [Query("SELECT id FROM shops WHERE shop_id = 3000000000 - 1")]
            public partial Task<List<IdRow>> IntKeyOutOfRange();

            [Query("SELECT id FROM readings WHERE device_id = '6f9619ff-8b86-d011-b42d-00c04fc964ff'::uuid")]
            public partial Task<List<IdRow>> UuidCast();

            [Query("SELECT id FROM readings WHERE device_id = @d::uuid")]
            public partial Task<List<IdRow>> UuidParameterCast(Guid d);

            [Query("SELECT id FROM accounts WHERE code = 'acme'::text")]
            public partial Task<List<IdRow>> TextCast();

            [Query("SELECT id FROM accounts WHERE code = 'acme'::varchar(2)")]
            public partial Task<List<IdRow>> TextCutByALength();

            [Query("SELECT id FROM orders WHERE tenant_id = ANY(ARRAY[@t, 2 + 2, '7'::bigint])")]
            public partial Task<List<IdRow>> ArrayOfKeys(int t);
        }
        """;

    [Fact]
    public void Key_expressions_are_folded_or_computed_and_the_generated_code_compiles()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compilation("Sample.Keys", Tables, Queries));
        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);
        var problems = GeneratorHarness.Problems(output);
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        var plans = GeneratorHarness.StepOutputs(result, TrackingNames.QueryPlans).Cast<QueryModel>().ToDictionary(m => m.Method.MethodName, m => m.Plan!);
        RoutedTo(plans["Folded"], "42L");
        RoutedTo(plans["FoldedMixed"], "2L"); // -(42) / 2 = -21; -21 % 4 = -1; -1 + 3 = 2
        RoutedTo(plans["RoundedCast"], "43L"); // numeric 2.5 to int rounds half away from zero
        RoutedTo(plans["Computed"], "unchecked(((long)t * 2L) - 1L)");
        RoutedTo(plans["WidenedFirst"], "2147483648L");
        RoutedTo(plans["IntKey"], "unchecked((int)((long)s + 1L))");
        RoutedTo(plans["UuidCast"], "new global::System.Guid(\"6f9619ff-8b86-d011-b42d-00c04fc964ff\")");
        Assert.Equal((QueryTarget.Router, "d"), (plans["UuidParameterCast"].Target, plans["UuidParameterCast"].Key?.Parameter));
        RoutedTo(plans["TextCast"], "\"acme\"");

        // int4 + int4 overflows in PostgreSQL, smallint '40000' is out of range, and a varchar(2) cuts the value: PostgreSQL
        // decides (an error, or another value), so ShardGen does not route by them. An int key equals no value beyond its range.
        foreach (var unrouted in new[] { "Overflows", "OutOfRange", "TextCutByALength", "IntKeyOutOfRange" })
        {
            Assert.True(plans[unrouted].Target == QueryTarget.FanOut && plans[unrouted].Keys.Count == 0 && plans[unrouted].KeysList is null, unrouted);
        }

        Assert.Equal(QueryTarget.FanOut, plans["ArrayOfKeys"].Target);
        Assert.Equal(["(long)t", "4L", "7L"], plans["ArrayOfKeys"].Keys.Select(k => k.Parameter ?? k.Literal));
    }

    private static void RoutedTo(QueryPlan plan, string key) =>
        Assert.Equal((QueryTarget.Router, key), (plan.Target, plan.Key?.Parameter ?? plan.Key?.Literal));
}
