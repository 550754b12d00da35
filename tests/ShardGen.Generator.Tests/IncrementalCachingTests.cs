using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ShardGen.Generator.Tests;

/// <summary>
/// The pipeline caches in both directions: an edit that changes no table re-runs nothing past the
/// parser (every tracked step Cached or Unchanged), and a change to a table re-runs what depends on it.
/// </summary>
public sealed class IncrementalCachingTests
{
    private const string Orders = """
        using ShardGen;

        namespace Sample.Shop;

        /// <summary>An order.</summary>
        [Distributed(nameof(TenantId))]
        public sealed record Order(long TenantId, long Id, string CustomerName);
        """;

    private const string Countries = """
        using ShardGen;

        namespace Sample.Shop;

        /// <summary>A country.</summary>
        [Reference]
        public sealed record Country(string Id, string Name);

        /// <summary>A setting.</summary>
        [Local]
        public sealed record AppSetting(string Id, string Value);

        /// <summary>Queries, so that the query steps run too.</summary>
        public sealed partial class Queries
        {
            /// <summary>The cluster.</summary>
            public ShardGen.ShardedDataSource? Source { get; set; }

            /// <summary>A country's name.</summary>
            [Query("SELECT name FROM countries WHERE id = @id")]
            public partial System.Threading.Tasks.Task<string?> CountryName(string id);
        }
        """;

    [Fact]
    public void Adding_an_unrelated_class_leaves_every_step_cached_or_unchanged()
    {
        var compilation = GeneratorHarness.Compilation("Sample.Shop", Orders, Countries);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Sample.Shop; /// <summary>Unrelated.</summary> public sealed class Unrelated { }", GeneratorHarness.ParseOptions, path: "Source9.cs"));

        var (_, second) = RunTwice(compilation, edited);

        AssertEveryStepCachedOrUnchanged(second);
    }

    [Fact]
    public void Adding_a_comment_to_a_table_file_leaves_every_step_cached_or_unchanged()
    {
        var compilation = GeneratorHarness.Compilation("Sample.Shop", Orders, Countries);
        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(
            tree, CSharpSyntaxTree.ParseText(Orders + "\n// a comment that changes nothing\n", GeneratorHarness.ParseOptions, path: tree.FilePath));

        var (_, second) = RunTwice(compilation, edited);

        AssertEveryStepCachedOrUnchanged(second);
    }

    [Fact]
    public void Adding_a_property_to_a_record_reruns_its_table_and_the_schema()
    {
        var compilation = GeneratorHarness.Compilation("Sample.Shop", Orders, Countries);
        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(
            tree, CSharpSyntaxTree.ParseText(Orders.Replace("string CustomerName)", "string CustomerName, decimal Total)"), GeneratorHarness.ParseOptions, path: tree.FilePath));

        var (_, second) = RunTwice(compilation, edited);

        var steps = second.Results.Single().TrackedSteps;
        Assert.Equal(IncrementalStepRunReason.Modified, steps[TrackingNames.DistributedTables].Single().Outputs.Single().Reason);
        Assert.All(steps[TrackingNames.ReferenceTables].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Equal(IncrementalStepRunReason.Modified, steps[TrackingNames.AllTables].Single().Outputs.Single().Reason);
        Assert.Equal(IncrementalStepRunReason.Modified, steps[TrackingNames.Schema].Single().Outputs.Single().Reason);

        // Of the tables, only the order's re-emits; the others' outputs are equal to the last run's.
        var tables = steps[TrackingNames.SchemaTables].SelectMany(s => s.Outputs).ToList();
        var modified = Assert.Single(tables, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal("orders", ((Model.TableModel)modified.Value).Table.TableName);
        Assert.All(tables.Where(o => o != modified), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));

        Assert.Contains("new(\"total\", \"numeric\", IsNullable: false),", GeneratorHarness.Sources(second)["Sample.Shop.Order.Repository.g.cs"]);
    }

    [Fact]
    public void Renaming_the_assembly_reruns_the_entry_point_only()
    {
        var compilation = GeneratorHarness.Compilation("Sample.Shop", Orders, Countries);

        var (_, second) = RunTwice(compilation, compilation.WithAssemblyName("Sample.Store"));

        var steps = second.Results.Single().TrackedSteps;
        Assert.Equal(IncrementalStepRunReason.Modified, steps[TrackingNames.AssemblyName].Single().Outputs.Single().Reason);
        Assert.Equal(IncrementalStepRunReason.Modified, steps[TrackingNames.Schema].Single().Outputs.Single().Reason);
        Assert.All(steps[TrackingNames.SchemaTables].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        Assert.Contains("Sample.Store.ShardDatabase.g.cs", GeneratorHarness.Sources(second).Keys);
    }

    [Fact]
    public void No_step_output_holds_a_compilation_symbol_or_syntax_node()
    {
        var (result, _, _) = GeneratorHarness.Run(SampleModel.Shop);

        foreach (var step in TrackingNames.All)
        {
            foreach (var value in GeneratorHarness.StepOutputs(result, step))
            {
                AssertHoldsNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static (GeneratorDriverRunResult First, GeneratorDriverRunResult Second) RunTwice(Compilation compilation, Compilation edited)
    {
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var first = driver.GetRunResult();
        driver = driver.RunGenerators(edited);
        var second = driver.GetRunResult();

        // Every named step must have run, or a test that finds nothing Modified would prove nothing.
        foreach (var step in TrackingNames.All)
        {
            Assert.True(first.Results.Single().TrackedSteps.ContainsKey(step), $"Step {step} did not run.");
        }

        return (first, second);
    }

    private static void AssertEveryStepCachedOrUnchanged(GeneratorDriverRunResult result)
    {
        var steps = result.Results.Single().TrackedSteps;
        foreach (var name in TrackingNames.All)
        {
            Assert.True(steps.ContainsKey(name), $"Step {name} did not run.");
            foreach (var output in steps[name].SelectMany(s => s.Outputs))
            {
                Assert.True(
                    output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                    $"Step {name} re-ran with reason {output.Reason}.");
            }
        }

        Assert.All(
            result.Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    private static void AssertHoldsNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        var type = value.GetType();
        Assert.False(
            type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true,
            $"{path} holds a {type.FullName}.");
        if (value is IEnumerable items)
        {
            var i = 0;
            foreach (var item in items)
            {
                AssertHoldsNoRoslynObjects(item, $"{path}[{i++}]", seen);
            }

            return;
        }

        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertHoldsNoRoslynObjects(field.GetValue(value), $"{path}.{field.Name}", seen);
        }
    }
}
