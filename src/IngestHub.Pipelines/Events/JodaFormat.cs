using System.Text;

namespace IngestHub.Pipelines.Events;

/// <summary>A Joda-Time pattern (what Logstash's date filter and <c>%{+yyyy.MM.dd}</c> use) translated to a
/// .NET custom date format. Letters are fields, <c>'text'</c> is literal, every other character is literal.</summary>
public sealed class JodaFormat
{
    private JodaFormat(string pattern, string dotNet, bool hasYear, bool hasOffset)
    {
        Pattern = pattern;
        DotNet = dotNet;
        HasYear = hasYear;
        HasOffset = hasOffset;
    }

    public string Pattern { get; }

    /// <summary>The equivalent .NET custom format string (every literal escaped).</summary>
    public string DotNet { get; }

    /// <summary>False for syslog-style formats without a year: the parser supplies one.</summary>
    public bool HasYear { get; }

    /// <summary>True when the format carries a UTC offset (<c>Z</c>/<c>ZZ</c>), so a time zone setting is ignored.</summary>
    public bool HasOffset { get; }

    public static bool TryParse(string pattern, out JodaFormat format, out string error)
    {
        format = null!;
        var sb = new StringBuilder(pattern.Length + 8);
        bool hasYear = false, hasOffset = false;
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            if (c == '\'')
            {
                int end = pattern.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    error = $"unterminated quote in {pattern}";
                    return false;
                }
                if (end == i + 1)
                    Literal(sb, '\'');
                else
                    foreach (var lc in pattern.AsSpan(i + 1, end - i - 1))
                        Literal(sb, lc);
                i = end + 1;
                continue;
            }
            if (!char.IsAsciiLetter(c))
            {
                Literal(sb, c);
                i++;
                continue;
            }
            int n = 1;
            while (i + n < pattern.Length && pattern[i + n] == c)
                n++;
            i += n;
            switch (c)
            {
                case 'y' or 'Y' or 'u' or 'x':
                    sb.Append(n == 2 ? "yy" : "yyyy");
                    hasYear = true;
                    break;
                case 'M':
                    sb.Append(n switch { 1 => "M", 2 => "MM", 3 => "MMM", _ => "MMMM" });
                    break;
                case 'd':
                    sb.Append(n == 1 ? "d" : "dd");
                    break;
                case 'H' or 'k':
                    sb.Append(n == 1 ? "H" : "HH");
                    break;
                case 'h' or 'K':
                    sb.Append(n == 1 ? "h" : "hh");
                    break;
                case 'm':
                    sb.Append(n == 1 ? "m" : "mm");
                    break;
                case 's':
                    sb.Append(n == 1 ? "s" : "ss");
                    break;
                case 'S':
                    sb.Append('f', Math.Min(n, 7));
                    break;
                case 'a':
                    sb.Append("tt");
                    break;
                case 'E':
                    sb.Append(n <= 3 ? "ddd" : "dddd");
                    break;
                case 'Z' when n <= 2:
                    sb.Append("zzz");
                    hasOffset = true;
                    break;
                default:
                    error = $"unsupported pattern letter {new string(c, n)} in {pattern}";
                    return false;
            }
        }
        format = new JodaFormat(pattern, sb.ToString(), hasYear, hasOffset);
        error = "";
        return true;
    }

    private static void Literal(StringBuilder sb, char c)
    {
        if (char.IsWhiteSpace(c))
            sb.Append(c);
        else
            sb.Append('\\').Append(c);
    }
}
