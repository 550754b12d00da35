using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>
        /// A query that ShardGen runs as several statements (a fan-out with its merge, reads of distributed rows before a
        /// statement on the coordinator) also carries the whole statement as written: on Citus it is
        /// sent once and Citus plans it. Only the edits of binding apply — each table's name becomes a place for its name,
        /// each <c>@name</c> its <c>$n</c>, numbered as <see cref="QueryPlan.Parameters"/> are bound — so its parameters are
        /// the plan's, without the text arrays of pulled rows. Other plans already run the whole statement.
        /// </summary>
        private QueryPlan WithStatementAsWritten(QueryPlan plan, SqlStatement statement)
        {
            if (!plan.RunsAsSeveralStatements)
            {
                return plan;
            }

            // The statement's span starts at its WITH clause, if any, and ends before a closing semicolon.
            var (parts, tables) = new SqlBuilder(_sql, _edits).Span(statement.Span).Build();
            return plan with { WrittenParts = parts.ToEquatableArray(), WrittenTables = tables.ToEquatableArray() };
        }
    }
}
