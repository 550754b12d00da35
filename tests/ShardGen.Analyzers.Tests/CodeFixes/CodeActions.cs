using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace ShardGen.Analyzers.Tests.CodeFixes;

/// <summary>
/// Which code actions a fix offers, for tests about what is not offered: the testing framework checks the
/// action a test picks, not the list it was picked from.
/// </summary>
internal static class CodeActions
{
    /// <summary>The (diagnostic, title, equivalence key) of every action offered, diagnostics in source order.</summary>
    public static async Task<List<(string Id, string Title, string? EquivalenceKey)>> OfferedAsync(CodeFixProvider fix, string source)
    {
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Default, "Test", "Test", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: new CSharpParseOptions(LanguageVersion.Preview),
            metadataReferences: Verifier.References));
        var document = workspace.AddDocument(project.Id, "Test.cs", SourceText.From(source));
        var compilation = await document.Project.GetCompilationAsync();
        var diagnostics = await compilation!.WithAnalyzers([new ShardGenAnalyzer()]).GetAnalyzerDiagnosticsAsync();

        var offered = new List<(string, string, string?)>();
        foreach (var diagnostic in diagnostics.Where(d => fix.FixableDiagnosticIds.Contains(d.Id)).OrderBy(d => d.Location.SourceSpan.Start))
        {
            var actions = new List<CodeAction>();
            await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
            offered.AddRange(actions.Select(a => (diagnostic.Id, a.Title, a.EquivalenceKey)));
        }

        return offered;
    }
}
