using System;
using System.Text;

namespace ShardGen.Generator;

/// <summary>Writes C# source line by line with four-space indentation and <c>\n</c> line ends, whatever the platform.</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public int Depth => _depth;

    /// <summary>Writes a line at the current indentation (an empty line has no indentation).</summary>
    public IndentedWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _text.Append(' ', _depth * 4).Append(text);
        }

        _text.Append('\n');
        return this;
    }

    /// <summary>Writes a line as it is, with no indentation (raw string literal content is indented by its caller).</summary>
    public IndentedWriter RawLine(string text)
    {
        _text.Append(text).Append('\n');
        return this;
    }

    /// <summary>Writes <c>{</c> and indents until the returned scope is disposed, which writes <c>}</c> and <paramref name="closing"/>.</summary>
    public Scope Block(string closing = "")
    {
        Line("{");
        _depth++;
        return new Scope(this, "}" + closing);
    }

    /// <summary>Indents the lines written until the returned scope is disposed.</summary>
    public Scope Indent()
    {
        _depth++;
        return new Scope(this, null);
    }

    public override string ToString() => _text.ToString();

    public readonly struct Scope : IDisposable
    {
        private readonly IndentedWriter _writer;
        private readonly string? _closing;

        public Scope(IndentedWriter writer, string? closing)
        {
            _writer = writer;
            _closing = closing;
        }

        public void Dispose()
        {
            _writer._depth--;
            if (_closing is not null)
            {
                _writer.Line(_closing);
            }
        }
    }
}
