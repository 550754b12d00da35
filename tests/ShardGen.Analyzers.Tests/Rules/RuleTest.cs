using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>
/// What the rule tests share: a small model (one colocation group of long-keyed tables, a Guid-keyed table
/// in another group, a reference and a local table, row types), a class to hold [Query] methods, and a
/// way to read the analyzer's messages (the descriptors' format is "{0}", so a message is asserted on the
/// diagnostic itself rather than through WithArguments).
/// </summary>
internal static class RuleTest
{
    public const string Usings = """
        #nullable enable
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using ShardGen;

        """;

    /// <summary>orders, customers (int8 group), readings (uuid group), countries (reference), audit_entries (local).</summary>
    public const string TableTypes = Usings + """
        [Distributed(nameof(TenantId))]
        public sealed record Order(long TenantId, long Id, long CustomerId, string Status, decimal Total, DateTimeOffset CreatedAt);

        [Distributed(nameof(TenantId))]
        public sealed record Customer(long TenantId, long Id, string Name, string CountryCode);

        [Distributed(nameof(DeviceId))]
        public sealed record Reading(Guid DeviceId, long Id, long OrderId, double Value);

        [Reference]
        public sealed record Country(long Id, string Code, string Name);

        [Local]
        public sealed record AuditEntry(long Id, string Message);

        public sealed record IdRow(long Id);

        public sealed record OrderRow(long Id, string Status);

        public sealed record StatusCount(string Status, long Count);

        """;

    /// <summary>The model plus a partial class Q that reaches the cluster, holding <paramref name="members"/>.</summary>
    public static string Queries(string members) => QueriesWith(string.Empty, members);

    /// <summary><see cref="Queries"/> over the model plus the table types <paramref name="tables"/>.</summary>
    public static string QueriesWith(string tables, string members) => TableTypes + tables + """

        public sealed partial class Q
        {
            public ShardedDataSource? Source { get; set; }

        """ + Indent(members) + """

        }
        """;

    /// <summary>A diagnostic expected at markup location {|#n:...|}, with its exact message.</summary>
    public static DiagnosticResult At(int location, string id, string message) =>
        new DiagnosticResult(id, Severity(id)).WithLocation(location).WithMessage(message);

    /// <summary>Every diagnostic the analyzer reports on <paramref name="source"/> (compiler diagnostics left out).</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source)
    {
        var compilation = CSharpCompilation.Create(
            "RuleTest",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview), path: "Test0.cs")],
            Verifier.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var analyzers = compilation.WithAnalyzers([new ShardGenAnalyzer()]);
        var diagnostics = await analyzers.GetAnalyzerDiagnosticsAsync();
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics;
    }

    /// <summary>The one diagnostic of <paramref name="id"/>; its message names every fragment.</summary>
    public static async Task<Diagnostic> SingleAsync(string source, string id, params string[] fragments)
    {
        var diagnostics = await AnalyzeAsync(source);
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"Expected one {id}, got: {string.Join(" | ", diagnostics.Select(Describe))}");
        var message = matching[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, message, StringComparison.Ordinal);
        }

        return matching[0];
    }

    /// <summary>The source text a diagnostic underlines.</summary>
    public static string Underlined(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);

    public static string Describe(Diagnostic diagnostic) =>
        $"{diagnostic.Id} [{(diagnostic.Location.IsInSource ? Underlined(diagnostic) : "no location")}] {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";

    private static DiagnosticSeverity Severity(string id) => Diagnostics.ById(id).DefaultSeverity;

    private static string Indent(string members) =>
        string.Join("\n", members.Split('\n').Select(line => line.Length == 0 ? line : "    " + line));
}
