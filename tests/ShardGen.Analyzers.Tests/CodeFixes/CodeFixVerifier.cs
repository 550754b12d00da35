using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace ShardGen.Analyzers.Tests.CodeFixes;

/// <summary>
/// Runs a ShardGen code fix over <see cref="ShardGenAnalyzer"/>'s diagnostics with Microsoft.CodeAnalysis.Testing,
/// offline, with the references of <see cref="Verifier"/>. The framework also applies Fix All in document,
/// project and solution and checks each gives <see cref="CodeFixTest{TVerifier}.FixedCode"/>.
/// </summary>
public static class CodeFixVerifier<TCodeFix>
    where TCodeFix : CodeFixProvider, new()
{
    public static CSharpCodeFixTest<ShardGenAnalyzer, TCodeFix, DefaultVerifier> Create(string source, string fixedSource, string? equivalenceKey = null)
    {
        var test = new CSharpCodeFixTest<ShardGenAnalyzer, TCodeFix, DefaultVerifier>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
            // As in Verifier: a query method has no body without the generator, which these tests do not run.
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        test.TestState.AdditionalReferences.AddRange(Verifier.References);
        return test;
    }

    public static Task VerifyAsync(string source, string fixedSource, string? equivalenceKey = null) =>
        Create(source, fixedSource, equivalenceKey).RunAsync();
}
