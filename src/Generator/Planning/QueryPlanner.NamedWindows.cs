using System;
using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Named windows (WINDOW w AS (...), OVER w, OVER (w ...)): each window function is planned as if its window were written
// inline, by PostgreSQL's rules (parse_clause.c, transformWindowDefinitions): OVER w is the window w itself; OVER (w ...) and
// WINDOW w2 AS (w ...) copy w's PARTITION BY, and its ORDER BY unless they write their own, and take only their own frame.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>
        /// Checks the window names of one SELECT as PostgreSQL does: each named window is defined once, a window built on another
        /// names one defined before it, and a copy neither replaces PARTITION BY, nor replaces an ORDER BY, nor copies a window with a frame.
        /// </summary>
        private void CheckWindowNames(SelectStatement select)
        {
            var defined = new Dictionary<string, WindowDefinition>(StringComparer.Ordinal);
            foreach (var window in select.Windows)
            {
                if (defined.ContainsKey(window.Name))
                {
                    Fail(RuleIds.SyntaxError, window.Span, $"The window '{window.Name}' is already defined in this WINDOW clause (PostgreSQL refuses it): rename one.");
                    continue;
                }

                if (window.BaseName is { } baseName)
                {
                    if (!defined.TryGetValue(baseName, out var based))
                    {
                        Fail(RuleIds.UnknownColumn, window.Span, select.Windows.Any(w => w.Name == baseName)
                            ? $"The window '{window.Name}' is built on '{baseName}', which the WINDOW clause defines after it: PostgreSQL looks only at the windows defined before. Define '{baseName}' first."
                            : $"No window of this query is named '{baseName}': define it in a WINDOW clause, WINDOW {baseName} AS (...).");
                    }
                    else
                    {
                        CheckCopy(window.Span, baseName, based, window.PartitionBy.Count > 0, window.OrderBy.Count > 0);
                    }
                }

                defined[window.Name] = window;
            }

            foreach (var call in StatementExpressions(select).SelectMany(SqlWalker.Descendants).OfType<WindowCall>().Where(w => w.Name is not null))
            {
                if (!defined.TryGetValue(call.Name!, out var named))
                {
                    Fail(RuleIds.UnknownColumn, call.Span, $"No window of this query is named '{call.Name}': define it in a WINDOW clause, WINDOW {call.Name} AS (...).");
                }
                else if (call.Copies)
                {
                    CheckCopy(call.Span, call.Name!, named, call.PartitionBy.Count > 0, call.OrderBy.Count > 0);
                }
            }
        }

        private void CheckCopy(TextSpan span, string baseName, WindowDefinition based, bool partitions, bool orders)
        {
            if (partitions)
            {
                Fail(RuleIds.SyntaxError, span, $"A window built on '{baseName}' cannot write its own PARTITION BY (PostgreSQL refuses to override it): put it in '{baseName}', or write the window without '{baseName}'.");
            }
            else if (orders && based.OrderBy.Count > 0)
            {
                Fail(RuleIds.SyntaxError, span, $"A window built on '{baseName}' cannot write its own ORDER BY, as '{baseName}' has one (PostgreSQL refuses to override it): drop one of them.");
            }
            else if (based.Frame is not null)
            {
                Fail(RuleIds.SyntaxError, span, $"'{baseName}' has a frame clause, so PostgreSQL refuses to copy it: write OVER {baseName} without parentheses, or move the frame out of '{baseName}'.");
            }
        }

        /// <summary>
        /// The PARTITION BY that <paramref name="window"/> (a window function of <paramref name="select"/>) computes over: its own,
        /// or, for <c>OVER w</c> and <c>OVER (w ...)</c>, the named window's (PostgreSQL copies it and refuses another).
        /// </summary>
        private static EquatableArray<SqlExpr> PartitionOf(WindowCall window, SelectStatement select) => PartitionSource(window, select).PartitionBy;

        /// <summary>
        /// Where the PARTITION BY of <paramref name="window"/> is written: in the call itself (<c>Window</c> null), or in the named
        /// window <c>Window</c> at the root of the chain it builds on (the one a PARTITION BY must go into).
        /// </summary>
        private static (string? Window, EquatableArray<SqlExpr> PartitionBy) PartitionSource(WindowCall window, SelectStatement select)
        {
            if (window.Name is null)
            {
                return (null, window.PartitionBy);
            }

            // A WINDOW clause's windows can only build on windows defined before them (CheckWindowNames), so the chain ends.
            var name = window.Name;
            for (var i = select.Windows.Count - 1; i >= 0 && name is not null; i--)
            {
                var definition = select.Windows[i];
                if (definition.Name != name)
                {
                    continue;
                }

                if (definition.BaseName is null || definition.PartitionBy.Count > 0)
                {
                    return (definition.Name, definition.PartitionBy);
                }

                name = definition.BaseName;
            }

            return (name ?? window.Name, EquatableArray<SqlExpr>.Empty);
        }

        /// <summary>Whether the partitions of <paramref name="window"/> may span shards: its PARTITION BY (written or copied) names no distribution key.</summary>
        private bool SpansShards(WindowCall window, SelectStatement select) => !PartitionOf(window, select).Any(IsDistributionKey);

        /// <summary>The window functions of <paramref name="select"/> itself (not of its subqueries) whose partitions may span shards.</summary>
        private IEnumerable<WindowCall> WindowsSpanningShards(SelectStatement select) =>
            StatementExpressions(select).SelectMany(SqlWalker.Descendants).OfType<WindowCall>().Where(w => SpansShards(w, select));
    }
}
