using Microsoft.CodeAnalysis;

namespace ShardGen.Generator.Tests;

/// <summary>Names and shapes that the generated code must survive: keywords, clashes, odd identifiers, accessibility.</summary>
public sealed class EdgeCaseTests
{
    [Fact]
    public void Keywords_clashing_names_and_odd_identifiers_compile()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run("""
            using ShardGen;

            /// <summary>In the global namespace, internal, with a quote in its table name.</summary>
            [Distributed(nameof(Class), Table = "odd \"\"\" name")]
            internal sealed record Weird(
                long Class,
                [property: PrimaryKey(Order = 1)] int Event,
                [property: PrimaryKey(Order = 2)] string CancellationToken,
                [property: PrimaryKey(Order = 3), Column("Mixed Case")] System.Guid Reader,
                string Args);

            /// <summary>A class whose constructor covers some columns and whose init properties cover the rest.</summary>
            [Reference]
            public sealed class Mixed
            {
                /// <summary>Builds one.</summary>
                public Mixed(int id, string name) { Id = id; Name = name; }

                /// <summary>Key.</summary>
                public int Id { get; }

                /// <summary>Name.</summary>
                public string Name { get; }

                /// <summary>Extra.</summary>
                public required string Extra { get; init; }
            }
            """);

        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);
        var problems = GeneratorHarness.Problems(output);
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        var sources = GeneratorHarness.Sources(result);
        Assert.Contains("Weird.Repository.g.cs", sources.Keys);
        Assert.Contains("internal sealed partial class ShardDatabase", sources["Sample.Shop.ShardDatabase.g.cs"]);
        Assert.Contains("GetAsync(long @class, int @event, string cancellationToken2, global::System.Guid reader,", sources["Weird.Repository.g.cs"]);
        Assert.Contains("return new global::Mixed(id, name)", sources["Mixed.Repository.g.cs"]);
        Assert.Contains("Extra = extra,", sources["Mixed.Repository.g.cs"]);

        // The table name holds """, which a raw string literal cannot: the DDL falls back to an escaped literal.
        var ddl = sources["Sample.Shop.ShardDatabase.Ddl.g.cs"];
        Assert.Contains("public const string CitusDdl =\n        \"", ddl);
        Assert.Contains("create_distributed_table('\\\"odd \\\"\\\"\\\"\\\"\\\"\\\" name\\\"'", ddl);
    }

    [Fact]
    public void Partial_declarations_and_inherited_properties_make_one_table()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run(
            """
            namespace Sample.Shop;

            /// <summary>Common columns.</summary>
            public abstract record Entity(long TenantId, long Id);

            /// <summary>Split over two files.</summary>
            [ShardGen.Distributed(nameof(TenantId))]
            public sealed partial record Order(long TenantId, long Id, string Name) : Entity(TenantId, Id);
            """,
            """
            namespace Sample.Shop;

            public sealed partial record Order
            {
                /// <summary>Declared in the second file.</summary>
                public int Quantity { get; init; }
            }
            """);

        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var table = Assert.IsType<Model.TableSpec>(Assert.Single(GeneratorHarness.TableSpecs(result)));
        Assert.Equal(["tenant_id", "id", "name", "quantity"], table.Columns.Select(c => c.ColumnName));
        Assert.Equal([0, 1], table.PrimaryKey);
    }

    [Fact]
    public void Colocation_groups_follow_the_conventions()
    {
        var (result, _, _) = GeneratorHarness.Run("""
            using System;
            using ShardGen;
            namespace Sample.Shop;

            /// <summary>a</summary>
            [Distributed(nameof(K))] public sealed record A(int K);
            /// <summary>b</summary>
            [Distributed(nameof(K), Colocation = "billing")] public sealed record B(long K);
            /// <summary>c</summary>
            [Distributed(nameof(K), ColocateWith = typeof(B))] public sealed record C(long K);
            /// <summary>d</summary>
            [Distributed(nameof(K), ColocateWith = typeof(C))] public sealed record D(long K);
            /// <summary>e</summary>
            [Distributed(nameof(K), Colocation = "none")] public sealed record E(long K);
            /// <summary>f</summary>
            [Distributed(nameof(K))] public sealed record F(Guid K);
            /// <summary>g</summary>
            [Distributed(nameof(K), Colocation = "default")] public sealed record G(string K);
            """);

        var groups = GeneratorHarness.Schema(result).Tables.ToDictionary(t => t.Table.TypeName, t => t.ColocationGroup);
        Assert.Equal("int4", groups["A"]);
        Assert.Equal("billing", groups["B"]);
        Assert.Equal("billing", groups["C"]);
        Assert.Equal("billing", groups["D"]);
        Assert.Equal("es", groups["E"]);
        Assert.Equal("uuid", groups["F"]);
        Assert.Equal("text", groups["G"]);
    }
}
