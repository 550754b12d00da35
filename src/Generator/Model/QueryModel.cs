namespace ShardGen.Generator.Model;

/// <summary>Where a planned query runs (mirrors <c>ShardGen.Model.QueryTarget</c> of the runtime).</summary>
internal enum QueryTarget
{
    /// <summary>One shard, chosen from the distribution key.</summary>
    Router,

    /// <summary>Several shards (all of them, or those of a list of keys), merged.</summary>
    FanOut,

    /// <summary>One copy of reference tables (reads) or every copy (writes).</summary>
    Reference,

    /// <summary>The coordinator.</summary>
    Local,
}

/// <summary>A problem with a query, on its span in the SQL text: the method's body only throws.</summary>
/// <param name="Rule">The diagnostic ID (<see cref="RuleIds"/>).</param>
/// <param name="Message">What is wrong and what to do.</param>
/// <param name="Start">Where in the SQL text.</param>
/// <param name="Length">How much of it.</param>
/// <param name="FixText">For a code fix: SQL text to insert at <paramref name="FixAt"/> (e.g. the missing key equality of a join).</param>
/// <param name="FixAt">Where in the SQL text <paramref name="FixText"/> goes; -1 when there is none.</param>
/// <param name="FixType">For a code fix on the model: the table type to change (<c>global::</c>-qualified).</param>
/// <param name="FixOtherType">For a code fix on the model: the other table type involved (e.g. the one to colocate with).</param>
internal sealed record QueryProblem(string Rule, string Message, int Start, int Length, string? FixText = null, int FixAt = -1, string? FixType = null, string? FixOtherType = null);

/// <summary>A <c>[Query]</c> method and its plan (or the problems that stop it from having one).</summary>
/// <param name="Method">The method as read.</param>
/// <param name="Plan">The plan; null when there are problems.</param>
/// <param name="Problems">What stops the query; empty when it is planned.</param>
/// <param name="EntryNamespace">The namespace of the generated entry point.</param>
/// <param name="Notes">What a user should know of the plan (it runs on every shard, ...): informational diagnostics.</param>
internal sealed record QueryModel(QueryMethodSpec Method, QueryPlan? Plan, EquatableArray<QueryProblem> Problems, string EntryNamespace, EquatableArray<QueryProblem> Notes = default);

/// <summary>A distribution key value that routes a call: a method parameter or a literal in the SQL.</summary>
/// <param name="Parameter">The method parameter holding the key; null for a literal.</param>
/// <param name="Literal">The literal's C# expression (e.g. <c>42L</c>, <c>"acme"</c>); null for a parameter.</param>
internal sealed record RouteKey(string? Parameter, string? Literal);

/// <summary>A positional parameter <c>$n</c> of the planned SQL and the method parameter it carries.</summary>
/// <param name="Parameter">The method parameter's name.</param>
/// <param name="Value">The value's column-like description.</param>
/// <param name="IsList">Whether it is sent as an array (for <c>= ANY(...)</c>).</param>
internal sealed record BoundParameter(string Parameter, ColumnSpec Value, bool IsList);

/// <summary>A column of the query's result that the row mapper reads: its ordinal and the member it fills.</summary>
/// <param name="Ordinal">The position in the result.</param>
/// <param name="Member">The index of the row type's column it fills.</param>
/// <param name="TypedRead">Whether the column is a table column of the member's own type, so that the mapper can read it with the typed reader call; otherwise the value is converted.</param>
internal sealed record OutputColumn(int Ordinal, int Member, bool TypedRead = false);

/// <summary>A key of the merge order: a result ordinal, its direction and where its NULLs go.</summary>
internal sealed record SortKey(int Ordinal, bool Descending, bool NullsFirst);

/// <summary>How to combine one aggregate's per-worker partials.</summary>
internal enum AggregateKind
{
    Count,
    Sum,
    Min,
    Max,
    Avg,

    /// <summary>count(DISTINCT x) of a column that is not the distribution key: the distinct values travel and are counted per group.</summary>
    CountDistinct,
}

/// <summary>An aggregate of a merged multi-shard aggregation.</summary>
/// <param name="Kind">How partials combine.</param>
/// <param name="Ordinal">Where the partial (for Avg, the partial sum; for CountDistinct, the distinct value) is in a worker row.</param>
/// <param name="CountOrdinal">For Avg: where the partial count is; -1 otherwise.</param>
internal sealed record AggregateSpec(AggregateKind Kind, int Ordinal, int CountOrdinal);

/// <summary>
/// What the run time does with the rows of several shards: order and de-duplicate them, combine
/// aggregates, filter groups, and apply OFFSET/LIMIT, all decided at build time.
/// </summary>
/// <param name="Order">The merge order over worker-row ordinals (after aggregation: over final ordinals).</param>
/// <param name="Limit">The LIMIT as a C# expression (a literal or a parameter); null for none.</param>
/// <param name="Offset">The OFFSET as a C# expression; null for none.</param>
/// <param name="Distinct">Whether rows are de-duplicated (SELECT DISTINCT).</param>
/// <param name="GroupKeys">For a merged aggregation: the number of group key columns at the start of a worker row; -1 when rows are not aggregated here.</param>
/// <param name="Aggregates">For a merged aggregation: each aggregate, in final-row order after the group keys.</param>
/// <param name="Having">For a merged aggregation: a C# boolean expression over the final row <c>v</c>, comparing with <c>compare</c> (a <c>ShardGen.HavingComparer</c>); null for none.</param>
/// <param name="FinalWidth">The number of values in a final row (visible columns plus hidden sort keys).</param>
internal sealed record MergePlan(
    EquatableArray<SortKey> Order,
    string? Limit,
    string? Offset,
    bool Distinct,
    int GroupKeys,
    EquatableArray<AggregateSpec> Aggregates,
    string? Having,
    int FinalWidth);

/// <summary>A planned query: where it runs, its SQL, its parameters, and how results come back.</summary>
/// <param name="Target">Where it runs.</param>
/// <param name="IsWrite">Whether it writes.</param>
/// <param name="RoutingTable">The distributed table whose colocation group routes it (Router, FanOut).</param>
/// <param name="Key">Router: the key that picks the shard.</param>
/// <param name="Keys">FanOut over listed keys (<c>key IN (...)</c>): the keys; empty otherwise.</param>
/// <param name="KeysList">FanOut over a list parameter (<c>key = ANY(@ids)</c>): the parameter; null otherwise.</param>
/// <param name="Parts">The statement for one shard, split around table names.</param>
/// <param name="Tables">The logical table between consecutive parts.</param>
/// <param name="WorkerPrefix">FanOut reads: the text before a worker's UNION ALL of its shards.</param>
/// <param name="WorkerSuffix">FanOut reads: the text after it.</param>
/// <param name="Parameters">$1..$n.</param>
/// <param name="Outputs">
/// The result columns the row mapper reads, in the order of the statement's select list (or RETURNING list): worker
/// ordinals for Router, final ordinals for FanOut (after a merged aggregation the group keys come first, so they may differ from the position).
/// </param>
/// <param name="Merge">FanOut reads: the merge; null otherwise.</param>
/// <param name="Sql">The planned shard statement with table names shown as {table}, for the generated code's comments.</param>
/// <param name="Pulls">A local statement that reads distributed tables: their rows, read first and sent to it as arrays; empty otherwise.</param>
/// <param name="Rows">
/// A multi-row INSERT whose rows have different distribution keys: one statement per key, each routed to its shard and all
/// written in one transaction (the first is also <see cref="Parts"/> and <see cref="Key"/>); empty otherwise.
/// </param>
/// <param name="WrittenParts">
/// For a query run as several statements (a fan-out, reads joined on the coordinator, an INSERT split by key): the whole
/// statement as the method wrote it, split around table names, with <c>$1..$n</c> of <see cref="Parameters"/>; Citus plans
/// it as it is. Empty when <see cref="Parts"/> already is the whole statement.
/// </param>
/// <param name="WrittenTables">The logical table between consecutive <see cref="WrittenParts"/>.</param>
internal sealed record QueryPlan(
    QueryTarget Target,
    bool IsWrite,
    string? RoutingTable,
    RouteKey? Key,
    EquatableArray<RouteKey> Keys,
    string? KeysList,
    EquatableArray<string> Parts,
    EquatableArray<string> Tables,
    string? WorkerPrefix,
    string? WorkerSuffix,
    EquatableArray<BoundParameter> Parameters,
    EquatableArray<OutputColumn> Outputs,
    MergePlan? Merge,
    string Sql,
    EquatableArray<RowStatement> Rows = default,
    EquatableArray<PullStatement> Pulls = default,
    EquatableArray<string> WrittenParts = default,
    EquatableArray<string> WrittenTables = default)
{
    /// <summary>
    /// Whether the query runs over several shards as ShardGen plans it (a fan-out and its merge, reads of distributed rows
    /// joined on the coordinator), so that it carries the statement as written for Citus to plan instead. An INSERT split
    /// by key is not: on Citus too each key's statement is routed to its shard, in one transaction, and the rows it
    /// returns come back in the same order on both engines.
    /// </summary>
    public bool RunsAsSeveralStatements => Target == QueryTarget.FanOut || Pulls.Count > 0;
}

/// <summary>
/// A distributed table's rows read before a statement that runs on the coordinator: <see cref="Columns"/> text columns
/// from the shards of <see cref="Key"/>, of <see cref="Keys"/>, of the keys in <see cref="KeysList"/>, or from every shard.
/// </summary>
internal sealed record PullStatement(
    string RoutingTable,
    RouteKey? Key,
    EquatableArray<RouteKey> Keys,
    string? KeysList,
    EquatableArray<string> Parts,
    EquatableArray<string> Tables,
    int Columns,
    string Sql);

/// <summary>The rows of a multi-row INSERT that share one distribution key value, as one statement routed to that key's shard.</summary>
internal sealed record RowStatement(RouteKey Key, EquatableArray<string> Parts, EquatableArray<string> Tables, string Sql);

/// <summary>
/// A planned <c>[Query]</c> method as the entry point lists it: which definition to register, and how many more
/// (<c>Method__More[i]</c>: the other keys' statements of a multi-row INSERT, or the reads of distributed rows before a statement on the coordinator).
/// </summary>
internal sealed record QueryRef(string Namespace, string TypeName, string MethodName, int MoreDefinitions = 0);
