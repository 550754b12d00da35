using System.Collections.Generic;
using System.Linq;
using System.Text;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

/// <summary>
/// Builds the text of a planned statement from pieces of the user's SQL: each piece is copied as
/// written, with the edits registered for it applied (a table name becomes a slot for the shard
/// table, an <c>@name</c> becomes <c>$n</c>), so the statement that runs reads like the one written.
/// </summary>
internal sealed class SqlBuilder
{
    private readonly string _sql;
    private readonly List<Edit> _edits;
    private readonly List<string> _parts = new() { string.Empty };
    private readonly List<string> _tables = new();
    private readonly StringBuilder _current = new();

    public SqlBuilder(string sql, List<Edit> edits)
    {
        _sql = sql;
        _edits = edits;
    }

    public SqlBuilder Text(string text)
    {
        _current.Append(text);
        return this;
    }

    /// <summary>Copies the user's text of <paramref name="span"/>, with the edits inside it applied.</summary>
    public SqlBuilder Span(TextSpan span)
    {
        var position = span.Start;
        foreach (var edit in _edits.Where(e => e.Span.Start >= span.Start && e.Span.End <= span.End).OrderBy(e => e.Span.Start))
        {
            _current.Append(_sql, position, edit.Span.Start - position);
            if (edit.Table is not null)
            {
                Slot(edit.Table);
            }

            _current.Append(edit.Replacement);
            position = edit.Span.End;
        }

        _current.Append(_sql, position, span.End - position);
        return this;
    }

    public SqlBuilder Slot(string table)
    {
        _parts[_parts.Count - 1] += _current.ToString();
        _current.Clear();
        _tables.Add(table);
        _parts.Add(string.Empty);
        return this;
    }

    public (List<string> Parts, List<string> Tables) Build()
    {
        var parts = new List<string>(_parts);
        parts[parts.Count - 1] += _current.ToString();
        return (parts, new List<string>(_tables));
    }

    /// <summary>The statement with each table shown as <c>{table}</c>, for comments and tests.</summary>
    public static string Preview(IReadOnlyList<string> parts, IReadOnlyList<string> tables)
    {
        var text = new StringBuilder(parts[0]);
        for (var i = 0; i < tables.Count; i++)
        {
            text.Append('{').Append(tables[i]).Append('}').Append(parts[i + 1]);
        }

        return text.ToString();
    }

    /// <summary>A change to the user's text: a replacement, preceded by a table slot when <see cref="Table"/> is set.</summary>
    internal sealed record Edit(TextSpan Span, string? Table, string Replacement);
}
