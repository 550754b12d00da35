using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace ShardGen.Analyzers.Tests;

/// <summary>
/// Runs <see cref="ShardGenAnalyzer"/> over test sources with Microsoft.CodeAnalysis.Testing, offline:
/// no reference pack is downloaded; the .NET 10 reference assemblies come from Basic.Reference.Assemblies,
/// plus ShardGen's runtime and Npgsql. Markup: {|SG0106:span|}.
/// </summary>
public static class Verifier
{
    public static readonly ImmutableArray<MetadataReference> References =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(ShardGen.DistributedAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Npgsql.NpgsqlConnection).Assembly.Location),
    ];

    public static async Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = Create(source);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    public static CSharpAnalyzerTest<ShardGenAnalyzer, DefaultVerifier> Create(string source)
    {
        var test = new CSharpAnalyzerTest<ShardGenAnalyzer, DefaultVerifier>
        {
            TestCode = source,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
            // A refused query has no body until the generator writes one; the analyzer tests run without
            // the generator, so the compiler's own complaint about it is not what they are about.
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        test.TestState.AdditionalReferences.AddRange(References);
        return test;
    }
}
