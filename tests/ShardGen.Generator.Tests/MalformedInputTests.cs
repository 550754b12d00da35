using Microsoft.CodeAnalysis;

namespace ShardGen.Generator.Tests;

/// <summary>
/// Malformed input never fails the generator: the type in question gets no output (the analyzers say
/// why), and the valid types of the same compilation are generated as usual.
/// </summary>
public sealed class MalformedInputTests
{
    private const string ValidTable = """
        namespace Sample.Shop
        {
            /// <summary>A valid table beside the malformed one.</summary>
            [ShardGen.Distributed(nameof(TenantId))]
            public sealed record Good(long TenantId, long Id, string Name);

            /// <summary>A valid reference table.</summary>
            [ShardGen.Reference]
            public sealed record Currency(string Id, string Name);
        }
        """;

    public static TheoryData<string, string> Cases() => new()
    {
        { "a key that names no property", "[Distributed(\"Missing\")] public sealed record Bad(long TenantId, long Id);" },
        { "an empty key", "[Distributed(\"\")] public sealed record Bad(long TenantId, long Id);" },
        { "a key that is not mapped", "[Distributed(nameof(TenantId))] public sealed class Bad { [NotMapped] public long TenantId { get; set; } public long Id { get; set; } }" },
        { "an unsupported key type", "[Distributed(nameof(TenantId))] public sealed record Bad(decimal TenantId, long Id);" },
        { "an enum key", "public enum Region { A } [Distributed(nameof(TenantId))] public sealed record Bad(Region TenantId, long Id);" },
        { "a nullable key", "[Distributed(nameof(TenantId))] public sealed record Bad(long? TenantId, long Id);" },
        { "a nullable string key", "[Distributed(nameof(TenantId))] public sealed record Bad(string? TenantId, long Id);" },
        { "a nullable primary key column", "[Reference] public sealed record Bad(int? Id, string Name);" },
        { "[Distributed] and [Reference] on one type", "[Distributed(nameof(TenantId)), Reference] public sealed record Bad(long TenantId, long Id);" },
        { "[Reference] and [Local] on one type", "[Reference, Local] public sealed record Bad(long Id);" },
        { "an unsupported column type", "[Distributed(nameof(TenantId))] public sealed record Bad(long TenantId, long Id, System.Uri Link);" },
        { "a collection column", "[Distributed(nameof(TenantId))] public sealed record Bad(long TenantId, long Id, System.Collections.Generic.List<string> Tags);" },
        { "ColocateWith a reference table", "[Distributed(nameof(TenantId), ColocateWith = typeof(Currency))] public sealed record Bad(long TenantId, long Id);" },
        { "ColocateWith a table with another key type", "[Distributed(nameof(TenantId), ColocateWith = typeof(Good))] public sealed record Bad(string TenantId, long Id);" },
        { "ColocateWith a type that is no table", "[Distributed(nameof(TenantId), ColocateWith = typeof(string))] public sealed record Bad(long TenantId, long Id);" },
        { "ColocateWith itself", "[Distributed(nameof(TenantId), ColocateWith = typeof(Bad))] public sealed record Bad(long TenantId, long Id);" },
        { "ColocateWith a skipped table", "[Distributed(nameof(TenantId), ColocateWith = typeof(Worse))] public sealed record Bad(long TenantId, long Id); [Distributed(\"Missing\")] public sealed record Worse(long TenantId);" },
        { "a named group that holds another key type", "[Distributed(nameof(TenantId), Colocation = \"int8\")] public sealed record Bad(int TenantId, long Id);" },
        { "a reference table without a primary key", "[Reference] public sealed record Bad(string Code, string Name);" },
        { "a local table without a primary key", "[Local] public sealed record Bad(string Code, string Name);" },
        { "two properties on one column", "[Reference] public sealed record Bad(int Id, [property: Column(\"name\")] string Title, string Name);" },
        { "an empty column name", "[Reference] public sealed record Bad(int Id, [property: Column(\"\")] string Name);" },
        { "no constructor that can build a row", "[Reference] public sealed class Bad { public Bad(string other) { } public int Id { get; } }" },
        { "a get-only property no constructor sets", "[Reference] public sealed class Bad { public int Id { get; set; } public string Name => \"x\"; }" },
        { "an abstract type", "[Reference] public abstract record Bad(int Id);" },
        { "a generic type", "[Reference] public sealed record Bad<T>(int Id);" },
        { "a nested type", "public static class Outer { [Reference] public sealed record Bad(int Id); }" },
        // On a clash of table names the first type by full name keeps the table: here Good, before Zz.Bad.
        { "a table name taken by another table", "namespace Zz { [Reference(Table = \"goods\")] public sealed record Bad(int Id); }" },
        { "a key argument of the wrong type", "[Distributed(42)] public sealed record Bad(long TenantId, long Id);" },
        { "a missing key argument", "[Distributed] public sealed record Bad(long TenantId, long Id);" },
        { "a ColocateWith of an unknown type", "[Distributed(nameof(TenantId), ColocateWith = typeof(Nowhere))] public sealed record Bad(long TenantId, long Id);" },
        { "a type still being typed", "[Distributed(nameof(TenantId))] public sealed record Bad(long TenantId, long Id, " },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_malformed_type_is_skipped_and_the_rest_generated(string description, string declaration)
    {
        var source = $$"""
            using ShardGen;
            namespace Sample.Shop
            {
                {{declaration}}
            }
            """;

        var (result, output, diagnostics) = GeneratorHarness.Run(ValidTable, source);

        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);
        var sources = GeneratorHarness.Sources(result);
        Assert.DoesNotContain(sources.Keys, name => name.Contains(".Bad.", StringComparison.Ordinal) || name.Contains(".Worse.", StringComparison.Ordinal));
        Assert.Contains("Sample.Shop.Good.Repository.g.cs", sources.Keys);
        Assert.Contains("Sample.Shop.Currency.Repository.g.cs", sources.Keys);
        Assert.Contains("Sample.Shop.ShardDatabase.g.cs", sources.Keys);
        Assert.DoesNotContain("Bad", sources["Sample.Shop.ShardDatabase.g.cs"], StringComparison.Ordinal);

        var generatedProblems = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
            .ToList();
        Assert.True(generatedProblems.Count == 0, description + ":\n" + string.Join("\n", generatedProblems));
    }

    [Fact]
    public void No_table_means_no_entry_point()
    {
        var (result, _, diagnostics) = GeneratorHarness.Run("namespace Sample.Shop; public sealed record NotATable(int Id);");

        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);
        Assert.Empty(result.Results.Single().GeneratedSources);
    }

    [Fact]
    public void A_compilation_without_the_runtime_generates_nothing()
    {
        var withoutRuntime = GeneratorHarness.Compilation("Sample.Shop", "namespace Sample.Shop; [Distributed(nameof(Id))] public sealed record Order(long Id);")
            .RemoveAllReferences()
            .AddReferences(Basic.Reference.Assemblies.Net100.References.All);

        var (result, _, diagnostics) = GeneratorHarness.Run(withoutRuntime);

        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);
        Assert.Empty(result.Results.Single().GeneratedSources);
    }
}
