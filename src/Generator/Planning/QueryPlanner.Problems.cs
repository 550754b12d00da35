using System.Collections.Generic;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// What the planner reports: a refusal (Fail) is a problem with its rule, span and message, and the generated method then
// only throws; a note (Note) is a warning on a planned query. Plan hands both to the generator and the analyzers in QueryModel.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        public List<QueryProblem> Problems { get; } = new();

        public List<QueryProblem> Notes { get; } = new();

        private void Note(string rule, TextSpan span, string message) => Notes.Add(new QueryProblem(rule, message, span.Start, span.Length));

        private QueryPlan? Fail(string rule, TextSpan span, string message) => Fail<QueryPlan>(rule, span, message);

        private T? Fail<T>(string rule, TextSpan span, string message)
            where T : class
        {
            Problems.Add(new QueryProblem(rule, message, span.Start, span.Length));
            return null;
        }
    }
}
