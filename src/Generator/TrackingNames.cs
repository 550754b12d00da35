namespace ShardGen.Generator;

/// <summary>The names of the pipeline's steps, as tests and the driver's step tracking see them.</summary>
internal static class TrackingNames
{
    /// <summary>One <see cref="Model.TableSpec"/> (or null) per type with <c>[Distributed]</c>.</summary>
    public const string DistributedTables = nameof(DistributedTables);

    /// <summary>One <see cref="Model.TableSpec"/> (or null) per type with <c>[Reference]</c>.</summary>
    public const string ReferenceTables = nameof(ReferenceTables);

    /// <summary>One <see cref="Model.TableSpec"/> (or null) per type with <c>[Local]</c>.</summary>
    public const string LocalTables = nameof(LocalTables);

    /// <summary>The three collected lists of table specs, combined.</summary>
    public const string AllTables = nameof(AllTables);

    /// <summary>The compilation's assembly name: the one value taken from the compilation.</summary>
    public const string AssemblyName = nameof(AssemblyName);

    /// <summary>The <see cref="Model.SchemaModel"/>: tables resolved against each other (colocation groups, names).</summary>
    public const string Schema = nameof(Schema);

    /// <summary>The schema's tables, one by one, each emitted as a repository and a row mapper.</summary>
    public const string SchemaTables = nameof(SchemaTables);

    /// <summary>One <see cref="Model.QueryMethodSpec"/> per <c>[Query]</c> method.</summary>
    public const string QueryMethods = nameof(QueryMethods);

    /// <summary>One <see cref="Model.QueryModel"/> per <c>[Query]</c> method: the method planned against the schema.</summary>
    public const string QueryPlans = nameof(QueryPlans);

    /// <summary>The planned methods, as the entry point registers them.</summary>
    public const string PlannedQueries = nameof(PlannedQueries);

    public static readonly string[] All =
    {
        DistributedTables, ReferenceTables, LocalTables, AllTables, AssemblyName, Schema, SchemaTables, QueryMethods, QueryPlans, PlannedQueries,
    };
}
