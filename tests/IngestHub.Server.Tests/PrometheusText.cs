using System.Globalization;
using System.Text;

namespace IngestHub.Server.Tests;

/// <summary>A strict parser of the Prometheus text format (0.0.4) for checking the /metrics page: every sample must
/// belong to a family declared with HELP and TYPE before it, and families must not be split.</summary>
public static class PrometheusText
{
    public static PrometheusDocument Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
                continue;
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                string rest = line[7..];
                int space = rest.IndexOf(' ', StringComparison.Ordinal);
                string name = space < 0 ? rest : rest[..space];
                if (help.ContainsKey(name))
                    throw new FormatException($"second HELP for {name}");
                help[name] = Unescape(space < 0 ? "" : rest[(space + 1)..], quotes: false);
                if (current is not null)
                    finished.Add(current);
                current = name;
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                if (parts.Length != 2 || parts[1] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    throw new FormatException($"bad TYPE line: {line}");
                types[parts[0]] = parts[1];
                continue;
            }
            if (line.StartsWith('#'))
                continue;
            var sample = ParseSample(line);
            string family = FamilyOf(sample.Name, types);
            if (!types.ContainsKey(family) || !help.ContainsKey(family))
                throw new FormatException($"sample {sample.Name} has no HELP/TYPE for family {family}");
            if (family != current || finished.Contains(family))
                throw new FormatException($"sample {sample.Name} is outside its family block");
            samples.Add(sample);
        }
        return new PrometheusDocument(samples, help, types);
    }

    private static string FamilyOf(string name, Dictionary<string, string> types)
    {
        foreach (string suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                string family = name[..^suffix.Length];
                if (types.TryGetValue(family, out var type) && type is "histogram" or "summary")
                    return family;
            }
        }
        return name;
    }

    private static PrometheusSample ParseSample(string line)
    {
        int i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
            i++;
        if (i == 0)
            throw new FormatException($"no metric name: {line}");
        string name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int eq = line.IndexOf('=', i);
                string label = line[i..eq];
                if (line[eq + 1] != '"')
                    throw new FormatException($"label value not quoted: {line}");
                var value = new StringBuilder();
                int j = eq + 2;
                while (line[j] != '"')
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException($"bad escape in {line}") });
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                    j++;
                }
                if (!labels.TryAdd(label, value.ToString()))
                    throw new FormatException($"duplicate label {label}: {line}");
                i = j + 1;
                if (line[i] == ',')
                    i++;
            }
            i++;
        }
        if (i >= line.Length || line[i] != ' ')
            throw new FormatException($"no value: {line}");
        string valueText = line[(i + 1)..].Split(' ')[0];
        double parsed = valueText switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(name, labels, parsed);
    }

    private static string Unescape(string text, bool quotes)
    {
        var result = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                char next = text[++i];
                result.Append(next switch { 'n' => '\n', '\\' => '\\', '"' when quotes => '"', _ => throw new FormatException($"bad escape \\{next}") });
            }
            else
            {
                result.Append(text[i]);
            }
        }
        return result.ToString();
    }
}
