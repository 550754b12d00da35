using Microsoft.CodeAnalysis;
using ShardGen.Generator;

namespace ShardGen.Analyzers;

/// <summary>
/// Every diagnostic ShardGen reports, grouped by range. IDs come from <see cref="RuleIds"/>, which the
/// parser and planner attach to what they find; each rule has a page at docs/rules/{ID}.md with a bad
/// and a good example. Retired IDs stay listed as comments and are never reused.
/// </summary>
internal static class Diagnostics
{
    private const string SchemaCategory = "ShardGen.Schema";
    private const string QueryCategory = "ShardGen.Query";
    private const string PlanCategory = "ShardGen.Plan";
    // The rule pages live in the repository, beside the code: docs/rules/{ID}.md.
    private const string HelpRoot = "docs/rules/";

    // ---- SG0001-SG0099: the model

    public static readonly DiagnosticDescriptor KeyNamesNoProperty = Error(RuleIds.KeyNamesNoProperty, SchemaCategory,
        "Distribution key names no property", "The distribution key of [Distributed] must name a property of the table type itself, e.g. nameof(TenantId).");

    public static readonly DiagnosticDescriptor KeyTypeNotSupported = Error(RuleIds.KeyTypeNotSupported, SchemaCategory,
        "Distribution key type is not supported", "A distribution key is int, long, string or Guid: the types whose PostgreSQL hash functions Citus and ShardGen place rows by.");

    public static readonly DiagnosticDescriptor KeyIsNullable = Error(RuleIds.KeyIsNullable, SchemaCategory,
        "Distribution key is nullable", "Every row needs a distribution key value to be placed on a shard.");

    public static readonly DiagnosticDescriptor SeveralTableAttributes = Error(RuleIds.SeveralTableAttributes, SchemaCategory,
        "More than one table attribute", "A table is distributed, reference or local: one of [Distributed], [Reference] and [Local].");

    public static readonly DiagnosticDescriptor PrimaryKeyWithoutDistributionKey = Warning(RuleIds.PrimaryKeyWithoutDistributionKey, SchemaCategory,
        "Primary key does not include the distribution key", "Citus refuses primary keys and unique constraints of distributed tables that do not include the distribution column; ShardGen puts the key first.");

    public static readonly DiagnosticDescriptor ColocateWithNotDistributed = Error(RuleIds.ColocateWithNotDistributed, SchemaCategory,
        "ColocateWith does not name a distributed table", "Only distributed tables have shards to colocate with.");

    public static readonly DiagnosticDescriptor ColocateWithOtherKeyType = Error(RuleIds.ColocateWithOtherKeyType, SchemaCategory,
        "Colocated tables have different key types", "Tables of one colocation group hash keys of one type, so that shard i of each holds the same keys.");

    public static readonly DiagnosticDescriptor ColumnTypeNotSupported = Error(RuleIds.ColumnTypeNotSupported, SchemaCategory,
        "Property type cannot be stored", "A stored property is of a supported type: numbers, bool, string, Guid, dates and times, byte[], enums, or their nullable forms.");

    public static readonly DiagnosticDescriptor NoPrimaryKey = Error(RuleIds.NoPrimaryKey, SchemaCategory,
        "Table has no primary key", "Reference and local tables need a primary key: a property named Id, or [PrimaryKey] properties.");

    public static readonly DiagnosticDescriptor TypeCannotBeTable = Error(RuleIds.TypeCannotBeTable, SchemaCategory,
        "Type cannot be a table", "A table type is a top-level, non-generic, constructible public or internal class, record or struct.");

    public static readonly DiagnosticDescriptor NameClash = Error(RuleIds.NameClash, SchemaCategory,
        "Name is taken", "Table names, column names and the entry point's repository names are unique.");

    public static readonly DiagnosticDescriptor NullablePrimaryKey = Error(RuleIds.NullablePrimaryKey, SchemaCategory,
        "Primary key column is nullable", "Primary key columns are NOT NULL.");

    public static readonly DiagnosticDescriptor TableObjectNamesNoProperty = Error(RuleIds.TableObjectNamesNoProperty, SchemaCategory,
        "Index or constraint names no property", "[Index], [Unique] and [ForeignKey] (and Include of [Index]) name stored properties of the table type; their columns make the index or constraint.");

    public static readonly DiagnosticDescriptor TableObjectIsEmpty = Error(RuleIds.TableObjectIsEmpty, SchemaCategory,
        "Index or constraint has nothing to constrain", "An index has properties or an Expression; a unique constraint and a foreign key have properties; a check constraint has an expression.");

    public static readonly DiagnosticDescriptor TableObjectNameNotValid = Error(RuleIds.TableObjectNameNotValid, SchemaCategory,
        "Index or constraint name is empty or too long", "PostgreSQL names are at most 63 bytes: a longer one is cut, so two names could become one.");

    public static readonly DiagnosticDescriptor TableObjectNameTaken = Error(RuleIds.TableObjectNameTaken, SchemaCategory,
        "Index or constraint name is taken", "The indexes and constraints of a table have different names (and different from its primary key's); index names are also unique among the schema's tables and indexes.");

    public static readonly DiagnosticDescriptor UniqueWithoutDistributionKey = Error(RuleIds.UniqueWithoutDistributionKey, SchemaCategory,
        "Unique index or constraint does not include the distribution key", "Citus: \"Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column\". Each shard enforces uniqueness among its own rows only.");

    public static readonly DiagnosticDescriptor IndexMethodNotSupported = Error(RuleIds.IndexMethodNotSupported, SchemaCategory,
        "Index method does not support this index", "Only btree indexes can be unique; only btree, gist and spgist indexes can carry INCLUDE columns.");

    public static readonly DiagnosticDescriptor ForeignKeyNotSupported = Error(RuleIds.ForeignKeyNotSupported, SchemaCategory,
        "Foreign key is not supported between these tables", "Citus enforces foreign keys between colocated distributed tables that include the distribution key in the same position, from distributed or reference tables to reference tables, and from local tables to local or reference tables.");

    public static readonly DiagnosticDescriptor ForeignKeyDoesNotMatch = Error(RuleIds.ForeignKeyDoesNotMatch, SchemaCategory,
        "Foreign key does not match the principal's primary key", "A foreign key names one property per primary key column of the principal, in its order, each of the column's PostgreSQL type.");

    public static readonly DiagnosticDescriptor ForeignKeyActionNotSupported = Error(RuleIds.ForeignKeyActionNotSupported, SchemaCategory,
        "ON DELETE action is not supported", "Citus: \"SET NULL or SET DEFAULT is not supported in ON DELETE operation when distribution key is included in the foreign key constraint\".");

    public static readonly DiagnosticDescriptor DefaultNotValid = Error(RuleIds.DefaultNotValid, SchemaCategory,
        "Column default is not valid", "[Default] is a constant of the property's type; [DefaultSql] a PostgreSQL expression; a property has at most one of them.");

    public static readonly DiagnosticDescriptor TypeModifierNotValid = Error(RuleIds.TypeModifierNotValid, SchemaCategory,
        "Type modifier is not valid", "[Precision], [MaxLength] and [Column(TypeName = ...)] give a column's type a modifier PostgreSQL accepts for the type the property maps to.");

    // ---- SG0100-SG0119: [Query] SQL

    public static readonly DiagnosticDescriptor SyntaxError = Error(RuleIds.SyntaxError, QueryCategory,
        "SQL syntax error", "The SQL of a [Query] method must parse.");

    public static readonly DiagnosticDescriptor UnsupportedSql = Error(RuleIds.UnsupportedSql, QueryCategory,
        "SQL construct is not supported", "ShardGen plans a subset of PostgreSQL's SQL at build time; this construct is outside it.");

    public static readonly DiagnosticDescriptor UnknownTable = Error(RuleIds.UnknownTable, QueryCategory,
        "Unknown table", "Every table of a query is a table of the model.");

    public static readonly DiagnosticDescriptor UnknownColumn = Error(RuleIds.UnknownColumn, QueryCategory,
        "Unknown or ambiguous column", "Every column of a query is a column of one of its tables.");

    public static readonly DiagnosticDescriptor UnknownParameter = Error(RuleIds.UnknownParameter, QueryCategory,
        "Parameter has no method parameter", "Every @name of a query binds a parameter of its method.");

    public static readonly DiagnosticDescriptor ParameterTypeMismatch = Error(RuleIds.ParameterTypeMismatch, QueryCategory,
        "Parameter type does not fit", "A parameter compared with or assigned to a column has a type that compares with the column's.");

    public static readonly DiagnosticDescriptor NotColocated = Error(RuleIds.NotColocated, QueryCategory,
        "Join of tables that are not colocated", "Citus: \"the query contains a join that requires repartitioning\". Only colocated tables joined on their distribution keys join inside a shard.");

    public static readonly DiagnosticDescriptor JoinNotOnDistributionKey = Error(RuleIds.JoinNotOnDistributionKey, QueryCategory,
        "Join is not on the distribution keys", "Citus: \"complex joins are only supported when all distributed tables are co-located and joined on their distribution columns\".");

    public static readonly DiagnosticDescriptor ReferenceOnOuterSide = Error(RuleIds.ReferenceOnOuterSide, QueryCategory,
        "Reference table on the preserved side of an outer join", "Run on each shard, the join would add the reference rows that match nothing once per shard; ShardGen brings the distributed rows to the coordinator instead (SG0122), except in a statement with subqueries or where the preserved side is a common table expression.");

    public static readonly DiagnosticDescriptor LocalJoinedWithDistributed = Error(RuleIds.LocalJoinedWithDistributed, QueryCategory,
        "Local table joined with a distributed table", "Local tables live only on the coordinator, distributed tables only on the workers; ShardGen brings the distributed rows to the coordinator for a join (SG0122), but not into a statement with subqueries.");

    public static readonly DiagnosticDescriptor UpdatesDistributionKey = Error(RuleIds.UpdatesDistributionKey, QueryCategory,
        "UPDATE sets the distribution key", "Citus: \"modifying the partition value of rows is not allowed\".");

    public static readonly DiagnosticDescriptor NotCombinable = Error(RuleIds.NotCombinable, QueryCategory,
        "Result cannot be combined across shards", "Over several shards ShardGen combines count, sum, min, max and avg, HAVING comparisons, and LIMIT/OFFSET literals or parameters.");

    public static readonly DiagnosticDescriptor WriteNotRoutable = Error(RuleIds.WriteNotRoutable, QueryCategory,
        "Write cannot be routed", "An INSERT names its distribution key with a parameter or literal, one key per statement; RETURNING needs a write pinned to one key.");

    public static readonly DiagnosticDescriptor ResultNotMappable = Error(RuleIds.ResultNotMappable, QueryCategory,
        "Result cannot be mapped", "Every column of the result fills a property of the result type, and every constructor parameter gets a column.");

    public static readonly DiagnosticDescriptor MethodNotGenerated = Error(RuleIds.MethodNotGenerated, QueryCategory,
        "[Query] method cannot be generated", "A [Query] method is a partial method of a top-level partial type that reaches the cluster, with a supported return type.");

    public static readonly DiagnosticDescriptor UnrelatedKeysEquated = Warning(RuleIds.UnrelatedKeysEquated, QueryCategory,
        "Join equates distribution keys that hold different things", "Tables whose keys have the same type share shards by default, and Citus joins them on those keys without a word; when the key columns have different names and neither table colocates with the other on purpose, the keys hold different things and the join matches unrelated rows.");

    // ---- SG0120-SG0139: plans worth seeing (informational by default; raise them in .editorconfig)

    public static readonly DiagnosticDescriptor RunsOnAllShards = new(RuleIds.RunsOnAllShards,
        "Query runs on all shards", "{0}", PlanCategory, DiagnosticSeverity.Info, isEnabledByDefault: true,
        description: "A query or write without a condition on the distribution key runs on every shard. Raise this rule to a warning or error in .editorconfig to keep multi-shard queries out.",
        helpLinkUri: HelpRoot + RuleIds.RunsOnAllShards + ".md");

    public static readonly DiagnosticDescriptor AggregateOrderLimitAfterMerge = new(RuleIds.AggregateOrderLimitAfterMerge,
        "LIMIT applies after every group is combined", "{0}", PlanCategory, DiagnosticSeverity.Info, isEnabledByDefault: true,
        description: "ORDER BY an aggregate with LIMIT over several shards cannot be cut on the shards.",
        helpLinkUri: HelpRoot + RuleIds.AggregateOrderLimitAfterMerge + ".md");

    public static readonly DiagnosticDescriptor RowsBroughtToCoordinator = new(RuleIds.RowsBroughtToCoordinator,
        "Distributed rows are brought to the coordinator", "{0}", PlanCategory, DiagnosticSeverity.Info, isEnabledByDefault: true,
        description: "A join of a distributed table with a local table, or with a reference table on the preserved side of an outer join, runs on the coordinator: the distributed table's rows (the columns it reads, filtered by its own conditions) are read first and sent there, as Citus' recursive planning does.",
        helpLinkUri: HelpRoot + RuleIds.RowsBroughtToCoordinator + ".md");

    // ---- SG0900: ShardGen itself

    public static readonly DiagnosticDescriptor InternalError = new(RuleIds.InternalError,
        "ShardGen could not analyze this code", "{0}", "ShardGen.Internal", DiagnosticSeverity.Warning, isEnabledByDefault: true,
        description: "An internal failure of ShardGen's analysis; the build goes on. Please report it.",
        helpLinkUri: HelpRoot + RuleIds.InternalError + ".md");

    /// <summary>Every descriptor, for SupportedDiagnostics.</summary>
    public static readonly System.Collections.Immutable.ImmutableArray<DiagnosticDescriptor> All = System.Collections.Immutable.ImmutableArray.Create(
        KeyNamesNoProperty, KeyTypeNotSupported, KeyIsNullable, SeveralTableAttributes, PrimaryKeyWithoutDistributionKey,
        ColocateWithNotDistributed, ColocateWithOtherKeyType, ColumnTypeNotSupported, NoPrimaryKey, TypeCannotBeTable, NameClash,
        NullablePrimaryKey, TableObjectNamesNoProperty, TableObjectIsEmpty, TableObjectNameNotValid, TableObjectNameTaken,
        UniqueWithoutDistributionKey, IndexMethodNotSupported, ForeignKeyNotSupported, ForeignKeyDoesNotMatch, ForeignKeyActionNotSupported,
        DefaultNotValid, TypeModifierNotValid, SyntaxError, UnsupportedSql, UnknownTable, UnknownColumn, UnknownParameter, ParameterTypeMismatch,
        NotColocated, JoinNotOnDistributionKey, ReferenceOnOuterSide, LocalJoinedWithDistributed, UpdatesDistributionKey,
        NotCombinable, WriteNotRoutable, ResultNotMappable, MethodNotGenerated, UnrelatedKeysEquated, RunsOnAllShards, AggregateOrderLimitAfterMerge,
        RowsBroughtToCoordinator, InternalError);

    public static DiagnosticDescriptor ById(string id)
    {
        foreach (var descriptor in All)
        {
            if (descriptor.Id == id)
            {
                return descriptor;
            }
        }

        return InternalError;
    }

    private static DiagnosticDescriptor Error(string id, string category, string title, string description) =>
        new(id, title, "{0}", category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: description, helpLinkUri: HelpRoot + id + ".md");

    private static DiagnosticDescriptor Warning(string id, string category, string title, string description) =>
        new(id, title, "{0}", category, DiagnosticSeverity.Warning, isEnabledByDefault: true, description: description, helpLinkUri: HelpRoot + id + ".md");
}
