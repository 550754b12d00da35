using System;
using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// What the planner knows of PostgreSQL's functions: which are aggregates (merged over shards) and which give a new value per
// call or per transaction (refused where each shard or each reference copy would compute its own).
internal static partial class QueryPlanner
{
    private static readonly HashSet<string> Aggregates = new(StringComparer.Ordinal)
    {
        "count", "sum", "min", "max", "avg", "string_agg", "array_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or",
        "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "json_agg", "jsonb_agg", "json_object_agg",
        "jsonb_object_agg", "percentile_cont", "percentile_disc", "mode", "corr", "covar_pop", "covar_samp", "regr_count",
    };

    /// <summary>Functions whose value differs from one transaction to the next: each copy of a reference table would store its own.</summary>
    private static readonly HashSet<string> PerTransactionFunctions = new(StringComparer.Ordinal)
    {
        "now", "current_timestamp", "current_date", "current_time", "localtimestamp", "localtime", "transaction_timestamp", "statement_timestamp",
    };

    /// <summary>PostgreSQL's volatile built-ins: a new value on every call (Citus refuses them in UPDATE SET and write WHERE).</summary>
    private static readonly HashSet<string> VolatileFunctions = new(StringComparer.Ordinal)
    {
        "random", "random_normal", "setseed", "nextval", "setval", "currval", "lastval", "clock_timestamp", "timeofday",
        "gen_random_uuid", "uuidv4", "uuidv7", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
    };

    public static bool IsAggregate(FunctionCall call) => Aggregates.Contains(call.Name);

    private sealed partial class Planner
    {
        private static bool ContainsAggregate(SqlExpr expr) => SqlWalker.Descendants(expr).OfType<FunctionCall>().Any(IsAggregate);
    }
}
