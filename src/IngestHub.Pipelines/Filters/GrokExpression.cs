using System.Text;
using System.Text.RegularExpressions;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Filters;

/// <summary>
/// A grok pattern expanded to one compiled .NET regex. <c>%{NAME}</c> becomes a non-capturing group,
/// <c>%{NAME:field}</c> a named group mapped to <c>field</c> (group names are generated because field
/// references such as <c>[http][status]</c> are not valid group names); raw <c>(?&lt;name&gt;...)</c> groups
/// capture into <c>name</c>. Every match runs under a timeout so a pathological pattern cannot stall a worker.
/// </summary>
public sealed partial class GrokExpression
{
    private const string GroupPrefix = "grok__";
    private const int MaxDepth = 64;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Expanded, TimeSpan Timeout), Regex> Cache = new();
    private const string WarmUpText =
        "Jan  1 00:00:00 host prog[1]: 127.0.0.1 - - [01/Jan/2000:00:00:00 +0000] \"GET /a?b=1 HTTP/1.1\" 200 1 \"-\" \"agent\" ::1 level=INFO 2000-01-01T00:00:00Z";

    private GrokExpression(string pattern, Regex regex, GrokCapture[] captures)
    {
        Pattern = pattern;
        Regex = regex;
        Captures = captures;
    }

    public string Pattern { get; }

    public Regex Regex { get; }

    public IReadOnlyList<GrokCapture> Captures { get; }

    [GeneratedRegex(@"%\{(?<name>[A-Za-z0-9_]+)(?::(?<field>[^:}]+)(?::(?<type>[A-Za-z]+))?)?\}", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    /// <summary>Expands and compiles; <see cref="ArgumentException"/> names an unknown pattern, a recursive
    /// definition, an unknown type or an invalid regular expression.</summary>
    public static GrokExpression Compile(string pattern, IReadOnlyDictionary<string, string> definitions, TimeSpan timeout)
    {
        var captures = new List<GrokCapture>();
        var expanded = Expand(pattern, definitions, captures, new Stack<string>());
        var regex = Cache.GetOrAdd((expanded, timeout), key => Build(key.Expanded, key.Timeout, pattern));
        foreach (var name in regex.GetGroupNames())
        {
            if (name.StartsWith(GroupPrefix, StringComparison.Ordinal) || int.TryParse(name, out _))
                continue;
            if (FieldReference.TryParse(name, out var field))
                captures.Add(new GrokCapture(name, field, GrokValueType.String));
        }
        return new GrokExpression(pattern, regex, [.. captures]);
    }

    // Compiling a library pattern costs far more than matching; pipelines restarted or defined twice share it.
    private static Regex Build(string expanded, TimeSpan timeout, string pattern)
    {
        Regex regex;
        try
        {
            regex = new Regex(expanded, RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, timeout);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"invalid regular expression in {pattern}: {ex.Message}", ex);
        }
        // Compiled regexes are JIT-compiled on first use, which for the large library patterns takes long
        // enough to trip the match timeout; pay that at configuration time instead of on the first event.
        try
        {
            regex.Match(WarmUpText);
        }
        catch (RegexMatchTimeoutException)
        {
        }
        return regex;
    }

    private static string Expand(string pattern, IReadOnlyDictionary<string, string> definitions, List<GrokCapture> captures, Stack<string> stack)
    {
        if (stack.Count > MaxDepth)
            throw new ArgumentException($"patterns nest deeper than {MaxDepth}: {string.Join(" > ", stack)}");
        var sb = new StringBuilder(pattern.Length * 2);
        int pos = 0;
        foreach (Match m in Reference().Matches(pattern))
        {
            sb.Append(pattern, pos, m.Index - pos);
            pos = m.Index + m.Length;
            var name = m.Groups["name"].Value;
            if (!definitions.TryGetValue(name, out var definition))
                throw new ArgumentException($"unknown pattern %{{{name}}}");
            if (stack.Contains(name))
                throw new ArgumentException($"pattern %{{{name}}} refers to itself");
            stack.Push(name);
            var inner = Expand(definition, definitions, captures, stack);
            stack.Pop();
            if (!m.Groups["field"].Success)
            {
                sb.Append("(?:").Append(inner).Append(')');
                continue;
            }
            var fieldText = m.Groups["field"].Value;
            if (!FieldReference.TryParse(fieldText, out var field))
                throw new ArgumentException($"invalid field name {fieldText} in %{{{m.Value[2..^1]}}}");
            var type = m.Groups["type"].Success ? ParseType(m.Groups["type"].Value) : GrokValueType.String;
            var group = GroupPrefix + captures.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            captures.Add(new GrokCapture(group, field, type));
            sb.Append("(?<").Append(group).Append('>').Append(inner).Append(')');
        }
        sb.Append(pattern, pos, pattern.Length - pos);
        return sb.ToString();
    }

    private static GrokValueType ParseType(string type) => type switch
    {
        "int" or "integer" or "long" => GrokValueType.Int,
        "float" or "double" => GrokValueType.Float,
        "string" => GrokValueType.String,
        _ => throw new ArgumentException($"unknown capture type {type} (expected int or float)"),
    };
}
