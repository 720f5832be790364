using System.Text;

namespace IngestHub.Protocol.Generator;

/// <summary>Indented text output for generated C#.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
            _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    /// <summary>A line and an opening brace; an empty line opens a bare block.</summary>
    public CodeWriter Open(string line)
    {
        if (line.Length > 0)
            Line(line);
        Line("{");
        _indent++;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public override string ToString() => _text.ToString();
}
