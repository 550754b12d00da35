using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using ShardGen.Analyzers;
using ShardGen.Generator;

namespace ShardGen.CodeFixes;

/// <summary>
/// SG0107: adds the equality of the distribution keys to the join's ON clause, inside the [Query]'s string
/// literal, written the way that literal writes text. The planner hands over the text only where the query's
/// own conditions already make the keys equal (an inner join of tables that share their key on purpose), so the
/// edit never changes a result; a diagnostic without it gets no fix.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(JoinOnDistributionKeysFix))]
[Shared]
public sealed class JoinOnDistributionKeysFix : CodeFixProvider
{
    public const string EquivalenceKey = "ShardGen.SG0107.AddKeyEquality";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.JoinNotOnDistributionKey);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(ShardGenAnalyzer.FixTextProperty, out var sql) || string.IsNullOrEmpty(sql)
                || !diagnostic.Properties.TryGetValue(ShardGenAnalyzer.FixAtProperty, out var at)
                || !int.TryParse(at, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                continue;
            }

            // The diagnostic is on the join, inside the literal that holds the SQL.
            var span = diagnostic.Location.SourceSpan;
            var literal = root.FindToken(span.Start);
            if (!literal.Span.Contains(span) || SqlLiteralInsertion.Create(literal, offset, sql!) is not { } change)
            {
                continue;
            }

            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Join on the distribution keys: add '{Equality(sql!)}'",
                    async cancellationToken =>
                    {
                        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
                        return document.WithText(text.WithChanges(change));
                    },
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The condition itself, without the " AND " that joins it to the ON clause.</summary>
    private static string Equality(string sql)
    {
        var trimmed = sql.Trim();
        return trimmed.StartsWith("AND ", System.StringComparison.OrdinalIgnoreCase) ? trimmed.Substring(4).TrimStart() : trimmed;
    }
}
