using System.Globalization;
using System.Text;

namespace IngestHub.Server.Monitoring;

/// <summary>
/// Writes the Prometheus text exposition format (0.0.4): one <c># HELP</c> and <c># TYPE</c> line per family, then
/// its samples. HELP text escapes backslash and newline; label values also escape the double quote.
/// </summary>
public sealed class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    public void Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ');
        AppendEscaped(help, quotes: false);
        _text.Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                    _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"");
                AppendEscaped(labels[i].Value, quotes: true);
                _text.Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(FormatValue(value)).Append('\n');
    }

    public static string FormatValue(double value)
    {
        if (double.IsPositiveInfinity(value))
            return "+Inf";
        if (double.IsNegativeInfinity(value))
            return "-Inf";
        if (double.IsNaN(value))
            return "NaN";
        if (value == Math.Floor(value) && Math.Abs(value) < 1e15)
            return ((long)value).ToString(CultureInfo.InvariantCulture);
        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    private void AppendEscaped(string value, bool quotes)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\':
                    _text.Append("\\\\");
                    break;
                case '\n':
                    _text.Append("\\n");
                    break;
                case '"' when quotes:
                    _text.Append("\\\"");
                    break;
                default:
                    _text.Append(c);
                    break;
            }
        }
    }

    public override string ToString() => _text.ToString();
}
