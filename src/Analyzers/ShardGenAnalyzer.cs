using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ShardGen.Generator;
using ShardGen.Generator.Model;
using ShardGen.Generator.Planning;

namespace ShardGen.Analyzers;

/// <summary>
/// Reports what the generator refuses or would do expensively, where the user wrote it: problems of
/// table types on their attribute or property, problems of [Query] SQL on the exact span inside the
/// string. It runs the generator's own parser, schema builder and planner — it derives no rule itself.
/// </summary>
[DiagnosticAnalyzer(Microsoft.CodeAnalysis.LanguageNames.CSharp)]
public sealed class ShardGenAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: SQL text a code fix inserts.</summary>
    public const string FixTextProperty = "FixText";

    /// <summary>Diagnostic property: the SQL offset where <see cref="FixTextProperty"/> goes.</summary>
    public const string FixAtProperty = "FixAt";

    /// <summary>Diagnostic property: the metadata name of the table type a model fix changes.</summary>
    public const string FixTypeProperty = "FixType";

    /// <summary>Diagnostic property: the metadata name of the other table type involved.</summary>
    public const string FixOtherTypeProperty = "FixOtherType";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => Diagnostics.All;

    public override void Initialize(AnalysisContext context)
    {
        // A [Query] method's body is generated, which makes Roslyn count the method as generated code: it must
        // still be analyzed. Generated types carry no table or [Query] attribute, so nothing else is reported there.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var distributed = start.Compilation.GetTypeByMetadataName(ShardGenGenerator.Parser.DistributedAttribute);
            if (distributed is null)
            {
                return;
            }

            var model = new CompilationModel(start.Compilation);
            start.RegisterSymbolAction(symbol => Guard(symbol.ReportDiagnostic, symbol.Symbol, () => AnalyzeType(symbol, model)), SymbolKind.NamedType);
            start.RegisterSymbolAction(symbol => Guard(symbol.ReportDiagnostic, symbol.Symbol, () => AnalyzeMethod(symbol, model)), SymbolKind.Method);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, CompilationModel model)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (var problem in model.ProblemsOf(type, context.CancellationToken))
        {
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.ById(problem.Rule), LocationOf(type, problem, context.CancellationToken), problem.Message));
        }
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context, CompilationModel model)
    {
        var method = (IMethodSymbol)context.Symbol;
        var attribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ShardGenGenerator.QueryParser.QueryAttribute);
        if (attribute is null || method.PartialDefinitionPart is not null)
        {
            return;
        }

        var spec = ShardGenGenerator.QueryParser.Parse(method, attribute, context.CancellationToken);
        if (spec is null)
        {
            return;
        }

        var planned = QueryPlanner.Plan(spec, model.Schema(context.CancellationToken), context.CancellationToken);
        var sql = SqlLocation.Of(attribute, method.ContainingType, context.Compilation, context.CancellationToken);
        foreach (var problem in planned.Problems)
        {
            Report(context, problem, sql, method);
        }

        if (planned.Notes.Count > 0)
        {
            foreach (var note in planned.Notes)
            {
                Report(context, note, sql, method);
            }
        }
    }

    private static void Report(SymbolAnalysisContext context, QueryProblem problem, SqlLocation? sql, IMethodSymbol method)
    {
        var location = sql?.Map(problem.Start, problem.Length) ?? method.Locations.FirstOrDefault() ?? Location.None;
        var properties = ImmutableDictionary.CreateBuilder<string, string?>();
        if (problem.FixText is not null && sql is { CanEdit: true })
        {
            properties[FixTextProperty] = problem.FixText;
            properties[FixAtProperty] = problem.FixAt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (problem.FixType is not null)
        {
            properties[FixTypeProperty] = MetadataName(problem.FixType);
        }

        if (problem.FixOtherType is not null)
        {
            properties[FixOtherTypeProperty] = MetadataName(problem.FixOtherType);
        }

        context.ReportDiagnostic(Diagnostic.Create(Diagnostics.ById(problem.Rule), location, properties.ToImmutable(), problem.Message));
    }

    private static string MetadataName(string fullTypeName) => fullTypeName.StartsWith("global::", StringComparison.Ordinal) ? fullTypeName.Substring(8) : fullTypeName;

    private static Location LocationOf(INamedTypeSymbol type, TableProblem problem, CancellationToken cancellationToken)
    {
        var attribute = type.GetAttributes().FirstOrDefault(a => CompilationModel.TableKindOf(a) is not null);
        var attributeSyntax = attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        switch (problem.Target)
        {
            case ProblemTarget.Attribute when attributeSyntax is not null:
                return attributeSyntax.GetLocation();
            case ProblemTarget.KeyArgument when attributeSyntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null) is { } key:
                return key.GetLocation();
            case ProblemTarget.ColocationArgument when attributeSyntax?.ArgumentList is { } arguments
                && (arguments.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "ColocateWith")
                    ?? arguments.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Colocation")) is { } colocation:
                // ColocateWith wins over Colocation when both are given, so it is the one to blame.
                return colocation.GetLocation();
            case ProblemTarget.SchemaAttribute when problem.At is { } at:
                if (SchemaAttributeLocation(type, problem.Member, at, cancellationToken) is { } schemaLocation)
                {
                    return schemaLocation;
                }

                break;
            case ProblemTarget.Property when problem.Member is not null:
                var property = type.GetMembers(problem.Member).FirstOrDefault();
                if (property?.Locations.FirstOrDefault(l => l.IsInSource) is { } propertyLocation)
                {
                    return propertyLocation;
                }

                break;
        }

        return attributeSyntax?.GetLocation() ?? type.Locations.FirstOrDefault() ?? Location.None;
    }

    /// <summary>
    /// The attribute (or its argument, or an element of an array argument) that <paramref name="at"/> names, on the type or
    /// on its property <paramref name="member"/> (declared on the type or a base type); null when the source does not have it.
    /// </summary>
    private static Location? SchemaAttributeLocation(INamedTypeSymbol type, string? member, AttributeRef at, CancellationToken cancellationToken)
    {
        ISymbol? owner = type;
        if (member is not null)
        {
            owner = null;
            for (var current = type; current is not null && owner is null; current = current.BaseType)
            {
                owner = current.GetMembers(member).OfType<IPropertySymbol>().FirstOrDefault();
            }
        }

        var attribute = owner?.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == at.Attribute).ElementAtOrDefault(at.Ordinal);
        if (attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
        {
            return null;
        }

        return (ArgumentOf(attribute, syntax, at) ?? syntax).GetLocation();
    }

    private static SyntaxNode? ArgumentOf(AttributeData attribute, AttributeSyntax syntax, AttributeRef at)
    {
        var arguments = syntax.ArgumentList?.Arguments ?? default;
        if (at.Argument is null || arguments.Count == 0)
        {
            return null;
        }

        var named = arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == at.Argument);
        if (named is not null)
        {
            return at.Element >= 0 ? ElementOf(named.Expression, at.Element) ?? named : named;
        }

        var parameters = attribute.AttributeConstructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
        var position = -1;
        for (var i = 0; i < parameters.Length && position < 0; i++)
        {
            position = parameters[i].Name == at.Argument ? i : -1;
        }

        if (position < 0)
        {
            return null;
        }

        var positional = arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
        if (!parameters[position].IsParams || at.Element < 0)
        {
            return position < positional.Count ? positional[position] : null;
        }

        // A params list is written element by element, or as one array.
        if (positional.Count == position + 1 && ElementOf(positional[position].Expression, at.Element) is { } element)
        {
            return element;
        }

        return position + at.Element < positional.Count ? positional[position + at.Element] : null;
    }

    private static SyntaxNode? ElementOf(ExpressionSyntax array, int element)
    {
        var elements = array switch
        {
            ArrayCreationExpressionSyntax creation => creation.Initializer?.Expressions.Cast<SyntaxNode>().ToList(),
            ImplicitArrayCreationExpressionSyntax implicitCreation => implicitCreation.Initializer.Expressions.Cast<SyntaxNode>().ToList(),
            CollectionExpressionSyntax collection => collection.Elements.Cast<SyntaxNode>().ToList(),
            _ => null,
        };
        return elements is not null && element < elements.Count ? elements[element] : null;
    }

    /// <summary>ShardGen never fails the build: an internal failure is its own diagnostic, never AD0001.</summary>
    private static void Guard(Action<Diagnostic> report, ISymbol symbol, Action analyze)
    {
        try
        {
            analyze();
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            report(Diagnostic.Create(Diagnostics.InternalError, symbol.Locations.FirstOrDefault() ?? Location.None,
                $"ShardGen could not analyze '{symbol.Name}' ({ex.GetType().Name}: {ex.Message}); please report it."));
        }
    }

    /// <summary>
    /// The model of one compilation, read once: every table type parsed (with its problems) and the
    /// schema built from them, exactly as the generator builds it.
    /// </summary>
    private sealed class CompilationModel
    {
        private readonly Compilation _compilation;
        private readonly object _gate = new();
        private (SchemaModel Schema, ILookup<string, TableProblem> Problems)? _built;

        public CompilationModel(Compilation compilation) => _compilation = compilation;

        public SchemaModel Schema(CancellationToken cancellationToken) => Build(cancellationToken).Schema;

        public IEnumerable<TableProblem> ProblemsOf(INamedTypeSymbol type, CancellationToken cancellationToken) =>
            Build(cancellationToken).Problems[type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)];

        public static Generator.Model.TableKind? TableKindOf(AttributeData attribute) => attribute.AttributeClass?.ToDisplayString() switch
        {
            ShardGenGenerator.Parser.DistributedAttribute => Generator.Model.TableKind.Distributed,
            ShardGenGenerator.Parser.ReferenceAttribute => Generator.Model.TableKind.Reference,
            ShardGenGenerator.Parser.LocalAttribute => Generator.Model.TableKind.Local,
            _ => null,
        };

        private (SchemaModel Schema, ILookup<string, TableProblem> Problems) Build(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_built is { } built)
                {
                    return built;
                }

                var problems = new List<TableProblem>();
                var specs = new List<TableSpec>();
                foreach (var type in SourceTypes(_compilation.Assembly.GlobalNamespace))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    foreach (var attribute in type.GetAttributes())
                    {
                        if (TableKindOf(attribute) is { } kind && ShardGenGenerator.Parser.Parse(type, attribute, kind, cancellationToken, problems) is { } spec)
                        {
                            specs.Add(spec);
                        }
                    }
                }

                // A type with two table attributes was read twice: report its problem once.
                var schema = ShardGenGenerator.SchemaBuilder.Build(specs.ToEquatableArray(), _compilation.AssemblyName, cancellationToken, problems);
                var result = (schema, problems.Distinct().ToLookup(p => p.FullTypeName, StringComparer.Ordinal));
                _built = result;
                return result;
            }
        }

        private static IEnumerable<INamedTypeSymbol> SourceTypes(INamespaceSymbol root)
        {
            var stack = new Stack<INamespaceOrTypeSymbol>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                foreach (var member in stack.Pop().GetMembers())
                {
                    if (member is INamespaceSymbol ns)
                    {
                        stack.Push(ns);
                    }
                    else if (member is INamedTypeSymbol type && type.Locations.Any(l => l.IsInSource))
                    {
                        yield return type;
                        stack.Push(type);
                    }
                }
            }
        }
    }
}
