using System.Linq;
using Microsoft.CodeAnalysis;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

/// <summary>
/// Turns records marked <c>[Distributed]</c>, <c>[Reference]</c> and <c>[Local]</c> into typed, routed
/// repositories, an entry point (<c>ShardDatabase</c>) and the schema's DDL.
/// </summary>
/// <remarks>
/// The pipeline: one <see cref="TableSpec"/> per attributed type (the parser does all symbol work), the
/// specs collected into one <see cref="SchemaModel"/> with the assembly name (the only value taken from
/// the compilation), then one repository per table of the model and one entry point for the model.
/// Every step's value is equatable, so an edit that changes no table re-runs nothing downstream.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class ShardGenGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var distributed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.DistributedAttribute,
                static (node, _) => Parser.IsCandidate(node),
                static (syntax, cancellationToken) => Parser.Parse(syntax, TableKind.Distributed, cancellationToken))
            .WithTrackingName(TrackingNames.DistributedTables);

        var reference = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.ReferenceAttribute,
                static (node, _) => Parser.IsCandidate(node),
                static (syntax, cancellationToken) => Parser.Parse(syntax, TableKind.Reference, cancellationToken))
            .WithTrackingName(TrackingNames.ReferenceTables);

        var local = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                Parser.LocalAttribute,
                static (node, _) => Parser.IsCandidate(node),
                static (syntax, cancellationToken) => Parser.Parse(syntax, TableKind.Local, cancellationToken))
            .WithTrackingName(TrackingNames.LocalTables);

        var allTables = distributed.Collect()
            .Combine(reference.Collect())
            .Combine(local.Collect())
            .Select(static (tables, _) => tables.Left.Left
                .Concat(tables.Left.Right)
                .Concat(tables.Right)
                .Where(static table => table is not null)
                .Select(static table => table!)
                .ToEquatableArray())
            .WithTrackingName(TrackingNames.AllTables);

        var assemblyName = context.CompilationProvider
            .Select(static (compilation, _) => compilation.AssemblyName)
            .WithTrackingName(TrackingNames.AssemblyName);

        var schema = allTables
            .Combine(assemblyName)
            .Select(static (input, cancellationToken) => SchemaBuilder.Build(input.Left, input.Right, cancellationToken))
            .WithTrackingName(TrackingNames.Schema);

        var schemaTables = schema
            .SelectMany(static (model, _) => model.Tables.AsImmutableArray())
            .WithTrackingName(TrackingNames.SchemaTables);

        context.RegisterSourceOutput(schemaTables, static (output, table) => Emitter.EmitRepository(output, table));
        context.RegisterSourceOutput(schema, static (output, model) => Emitter.EmitDdl(output, model));

        // [Query] methods: each read from its symbol, then planned against the schema. Only a change to
        // a method or to the schema re-plans it; the entry point depends only on which methods planned.
        var queryMethods = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                QueryParser.QueryAttribute,
                static (node, _) => QueryParser.IsCandidate(node),
                static (syntax, cancellationToken) => QueryParser.Parse(syntax, cancellationToken))
            .Where(static method => method is not null)
            .Select(static (method, _) => method!)
            .WithTrackingName(TrackingNames.QueryMethods);

        var queryPlans = queryMethods
            .Combine(schema)
            .Select(static (input, cancellationToken) => Planning.QueryPlanner.Plan(input.Left, input.Right, cancellationToken))
            .WithTrackingName(TrackingNames.QueryPlans);

        var plannedQueries = queryPlans
            .Select(static (model, _) => model.Plan is null ? null : new QueryRef(model.Method.Namespace, model.Method.TypeName, model.Method.MethodName, System.Math.Max(0, model.Plan.Rows.Count - 1) + model.Plan.Pulls.Count))
            .Collect()
            .Select(static (refs, _) => refs.Where(static r => r is not null).Select(static r => r!).ToEquatableArray())
            .WithTrackingName(TrackingNames.PlannedQueries);

        context.RegisterSourceOutput(queryPlans, static (output, model) => Emitter.EmitQuery(output, model));
        context.RegisterSourceOutput(schema.Combine(plannedQueries), static (output, input) => Emitter.EmitDatabase(output, input.Left, input.Right));
    }
}
