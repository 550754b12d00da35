using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

public sealed partial class ShardGenGenerator
{
    /// <summary>
    /// Reads a <c>[Query]</c> partial method into a <see cref="QueryMethodSpec"/>: the containing type,
    /// the signature, the result's shape and row type, where the data source comes from, and the SQL.
    /// A method that cannot be generated still gives a spec, with <see cref="QueryMethodSpec.Problem"/>
    /// saying why, so that nothing is silently dropped; only garbage the IDE hands over mid-edit gives null.
    /// </summary>
    internal static class QueryParser
    {
        public const string QueryAttribute = "ShardGen.QueryAttribute";
        private const string ShardedDataSourceType = "ShardGen.ShardedDataSource";
        private const string QueryOptionsType = "ShardGen.QueryOptions";
        private const string EntryPointName = "ShardDatabase";

        // Where the compiler puts this generator's output: {assembly}/{generator type}/{hint name}.
        private const string GeneratedPathMarker = "ShardGen.Generator/ShardGen.Generator.ShardGenGenerator/";

        public static bool IsCandidate(SyntaxNode node) =>
            node is MethodDeclarationSyntax method && method.Modifiers.Any(SyntaxKind.PartialKeyword);

        public static QueryMethodSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            try
            {
                return context.TargetSymbol is IMethodSymbol method && context.Attributes.Length > 0
                    ? Parse(method, context.Attributes[0], cancellationToken)
                    : null;
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception)
            {
                return null;
            }
        }

        public static QueryMethodSpec? Parse(IMethodSymbol method, AttributeData attribute, CancellationToken cancellationToken)
        {
            var type = method.ContainingType;
            if (type is null || attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string sql)
            {
                return null;
            }

            string? problem = null;
            void Fail(string message) => problem ??= message;

            // The generator never sees its own output; the analyzers see the body it wrote, which is no user body.
            var userBody = method.PartialImplementationPart is { } implementation
                && !implementation.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.Replace('\\', '/').Contains(GeneratedPathMarker));
            var canHaveBody = type.ContainingType is null && type.Arity == 0 && !type.IsFileLocal
                && method.IsPartialDefinition && !userBody && method.Arity == 0
                && method.Parameters.All(p => p.RefKind == RefKind.None);
            if (type.ContainingType is not null || type.Arity != 0 || type.IsFileLocal)
            {
                Fail($"[Query] methods must be declared in a top-level, non-generic partial type; '{type.Name}' is not one.");
            }

            if (!method.IsPartialDefinition || userBody || method.Arity != 0)
            {
                Fail($"'{method.Name}' must be a non-generic partial method declaration without a body: ShardGen writes the body.");
            }

            var parameters = new List<QueryParameterSpec>();
            foreach (var parameter in method.Parameters)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var full = parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));
                if (parameter.RefKind != RefKind.None || parameter.IsParams)
                {
                    Fail($"Parameter '{parameter.Name}' of '{method.Name}' cannot be ref, out, in or params.");
                }

                if (IsNamed(parameter.Type, "System.Threading.CancellationToken"))
                {
                    parameters.Add(new QueryParameterSpec(parameter.Name, full, QueryParameterKind.CancellationToken, null));
                }
                else if (IsNamed(parameter.Type, QueryOptionsType))
                {
                    parameters.Add(new QueryParameterSpec(parameter.Name, full, QueryParameterKind.Options, null));
                }
                else if (ValueOf(parameter.Type, parameter.NullableAnnotation, parameter.Name) is { } value)
                {
                    parameters.Add(new QueryParameterSpec(parameter.Name, full, QueryParameterKind.Value, value));
                }
                else if (ElementOf(parameter.Type) is { } element && ValueOf(element, element.NullableAnnotation, parameter.Name) is { } elementValue)
                {
                    parameters.Add(new QueryParameterSpec(parameter.Name, full, QueryParameterKind.List, elementValue));
                }
                else
                {
                    parameters.Add(new QueryParameterSpec(parameter.Name, full, QueryParameterKind.Value, null));
                }
            }

            var (shape, rowType) = ShapeOf(method.ReturnType);
            RowSpec? row = null;
            var rowIsScalar = false;
            if (shape is null)
            {
                Fail($"'{method.Name}' returns {method.ReturnType.ToDisplayString()}; a [Query] method returns Task<List<T>>, Task<T?>, Task<T> of a scalar, IAsyncEnumerable<T>, Task<int> (rows affected) or Task.");
                shape = ResultShape.None;
            }
            else if (rowType is not null)
            {
                if (ValueOf(rowType, rowType.NullableAnnotation, "result") is { } scalar)
                {
                    row = new RowSpec(rowType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), rowType.IsValueType, new[] { scalar }.ToEquatableArray(), EquatableArray<ConstructorParameterSpec>.Empty);
                    rowIsScalar = true;
                    if (shape == ResultShape.Single)
                    {
                        shape = ResultShape.Scalar;
                    }
                }
                else if (rowType is INamedTypeSymbol named && RowOf(named) is { } rowSpec)
                {
                    row = rowSpec;
                    if (shape == ResultShape.Scalar)
                    {
                        shape = ResultShape.Single;
                    }
                }
                else
                {
                    Fail($"'{method.Name}' returns rows of {rowType.ToDisplayString()}, which ShardGen cannot map: use a class, record or struct with public properties of supported types and a usable constructor, or a scalar.");
                }
            }

            var dataSource = DataSourceOf(type, method.IsStatic);
            if (dataSource is null)
            {
                Fail($"'{type.Name}' has no way to reach the cluster: give it a field or property of type ShardedDataSource or ShardDatabase{(method.IsStatic ? " (static, for a static method)" : string.Empty)}, or declare the method in the generated ShardDatabase class.");
            }

            var syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as MethodDeclarationSyntax;
            var modifiers = syntax is null ? "partial" : string.Join(" ", syntax.Modifiers.Select(m => m.Text));
            var typeSyntax = type.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as TypeDeclarationSyntax;
            var keyword = typeSyntax switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                _ => "class",
            };

            return new QueryMethodSpec(
                Namespace: type.ContainingNamespace.IsGlobalNamespace
                    ? string.Empty
                    : type.ContainingNamespace.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)),
                TypeName: type.Name,
                TypeKeyword: keyword,
                IsStaticType: type.IsStatic,
                MethodName: method.Name,
                Modifiers: modifiers,
                ReturnType: method.ReturnType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier)),
                Parameters: parameters.ToEquatableArray(),
                Shape: shape.Value,
                Row: row,
                RowIsScalar: rowIsScalar,
                DataSource: dataSource,
                Sql: sql,
                Problem: problem,
                CanHaveBody: canHaveBody);
        }

        private static (ResultShape? Shape, ITypeSymbol? Row) ShapeOf(ITypeSymbol returnType)
        {
            if (returnType is not INamedTypeSymbol named)
            {
                return (null, null);
            }

            if (IsNamed(named, "System.Threading.Tasks.Task") && named.Arity == 0)
            {
                return (ResultShape.None, null);
            }

            if (named.Arity == 1 && IsNamed(named.OriginalDefinition, "System.Collections.Generic.IAsyncEnumerable`1"))
            {
                return (ResultShape.Stream, named.TypeArguments[0]);
            }

            if (named.Arity != 1 || !IsNamed(named.OriginalDefinition, "System.Threading.Tasks.Task`1"))
            {
                return (null, null);
            }

            var inner = named.TypeArguments[0];
            if (inner is INamedTypeSymbol { Arity: 1 } list && IsNamed(list.OriginalDefinition, "System.Collections.Generic.List`1"))
            {
                return (ResultShape.List, list.TypeArguments[0]);
            }

            // Task<int> is "rows affected" for a write without RETURNING; the planner decides, since only the SQL tells.
            return (ResultShape.Scalar, inner);
        }

        /// <summary>A scalar value type the query can bind or read; null when it is not one.</summary>
        private static ColumnSpec? ValueOf(ITypeSymbol type, NullableAnnotation annotation, string name)
        {
            if (!SqlTypes.TryClassify(type, out var columnType, out var enumTypeName, out var isNullableValueType))
            {
                return null;
            }

            var nullable = isNullableValueType || (SqlTypes.IsReferenceType(columnType) && annotation != NullableAnnotation.NotAnnotated);
            return new ColumnSpec(name, Naming.ColumnName(name), columnType, enumTypeName, nullable);
        }

        /// <summary>The element type of an array, <c>List&lt;T&gt;</c>, <c>IReadOnlyList&lt;T&gt;</c> or <c>IEnumerable&lt;T&gt;</c> parameter (not byte[]: that is bytea).</summary>
        private static ITypeSymbol? ElementOf(ITypeSymbol type)
        {
            if (type is IArrayTypeSymbol { Rank: 1 } array)
            {
                return array.ElementType;
            }

            if (type is INamedTypeSymbol { Arity: 1 } named
                && (IsNamed(named.OriginalDefinition, "System.Collections.Generic.List`1")
                    || IsNamed(named.OriginalDefinition, "System.Collections.Generic.IReadOnlyList`1")
                    || IsNamed(named.OriginalDefinition, "System.Collections.Generic.IReadOnlyCollection`1")
                    || IsNamed(named.OriginalDefinition, "System.Collections.Generic.IList`1")
                    || IsNamed(named.OriginalDefinition, "System.Collections.Generic.IEnumerable`1")))
            {
                return named.TypeArguments[0];
            }

            return null;
        }

        private static RowSpec? RowOf(INamedTypeSymbol type)
        {
            if (type.IsAbstract || type.IsStatic || (type.TypeKind != TypeKind.Class && type.TypeKind != TypeKind.Struct))
            {
                return null;
            }

            var properties = Parser.MappedProperties(type);
            var columns = new List<ColumnSpec>(properties.Count);
            foreach (var property in properties)
            {
                if (Parser.ParseColumn(property, out _) is not { } column)
                {
                    return null;
                }

                columns.Add(column);
            }

            var constructor = Parser.ChooseConstructor(type, properties);
            return columns.Count == 0 || constructor is null
                ? null
                : new RowSpec(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), type.IsValueType, columns.ToEquatableArray(), constructor.ToEquatableArray());
        }

        /// <summary>
        /// The expression that reaches the data source from inside the method: the generated entry point
        /// itself, or a field or property of type <c>ShardedDataSource</c> or <c>ShardDatabase</c>. The
        /// entry point is generated by this same generator, so in the compilation the generator sees it is
        /// an error type: it is recognized by name.
        /// </summary>
        private static string? DataSourceOf(INamedTypeSymbol type, bool isStatic)
        {
            if (type.Name == EntryPointName && !isStatic)
            {
                return "this.DataSource";
            }

            foreach (var member in type.GetMembers())
            {
                if (member.IsStatic != isStatic || member.IsImplicitlyDeclared)
                {
                    continue;
                }

                var memberType = member switch
                {
                    IFieldSymbol field => field.Type,
                    IPropertySymbol { IsIndexer: false, GetMethod: not null } property => property.Type,
                    _ => null,
                };
                if (memberType is null)
                {
                    continue;
                }

                var access = (isStatic ? type.Name : "this") + "." + Naming.EscapeIdentifier(member.Name);
                if (IsNamed(memberType, ShardedDataSourceType))
                {
                    return access;
                }

                if (memberType.Name == EntryPointName)
                {
                    return access + ".DataSource";
                }
            }

            return null;
        }

        private static bool IsNamed(ITypeSymbol type, string metadataName)
        {
            var dot = metadataName.LastIndexOf('.');
            if (type.MetadataName != metadataName.Substring(dot + 1))
            {
                return false;
            }

            var ns = type.ContainingNamespace;
            var expected = metadataName.Substring(0, dot).Split('.');
            for (var i = expected.Length - 1; i >= 0; i--)
            {
                if (ns is null || ns.Name != expected[i])
                {
                    return false;
                }

                ns = ns.ContainingNamespace;
            }

            return ns is { IsGlobalNamespace: true };
        }
    }
}
