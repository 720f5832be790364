using System.Text;
using System.Text.Json.Nodes;

namespace IngestHub.Pipelines.Configuration;

/// <summary>
/// <c>${NAME}</c> references in connector configuration, resolved from environment variables when a definition
/// is compiled; the stored configuration keeps the reference, so a secret given as <c>${ES_PASSWORD}</c> never
/// lands in the connector's state file or an API response. <c>${NAME:-fallback}</c> uses the fallback when the
/// variable is unset or empty; <c>$${</c> is a literal <c>${</c>. Only string values are expanded, never keys.
/// </summary>
public static class ConfigVariables
{
    /// <summary>A copy of <paramref name="config"/> with every reference resolved through <paramref name="lookup"/>
    /// (the process environment when null). A reference to an unset variable without fallback is a
    /// <see cref="ConfigException"/> naming the key and the variable.</summary>
    public static JsonObject Expand(JsonObject config, Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        return (JsonObject)ExpandNode(config, "", lookup)!;
    }

    private static JsonNode? ExpandNode(JsonNode? node, string path, Func<string, string?> lookup)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                    copy[key] = ExpandNode(value, path.Length == 0 ? key : path + "." + key, lookup);
                return copy;
            case JsonArray array:
                var items = new JsonArray();
                for (int i = 0; i < array.Count; i++)
                    items.Add(ExpandNode(array[i], $"{path}[{i}]", lookup));
                return items;
            case JsonValue value when value.TryGetValue(out string? text) && text.Contains('$', StringComparison.Ordinal):
                return JsonValue.Create(ExpandString(text, path, lookup));
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>Resolves the references of one value; <paramref name="key"/> names it in errors.</summary>
    public static string ExpandString(string value, string key, Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        var result = new StringBuilder(value.Length);
        foreach (var part in Parse(value, key))
        {
            if (part.Variable is null)
            {
                result.Append(part.Text);
                continue;
            }
            string? resolved = lookup(part.Variable);
            if (part.Fallback is not null && string.IsNullOrEmpty(resolved))
                resolved = part.Fallback;
            if (resolved is null)
                throw new ConfigException(key, $"environment variable {part.Variable} is not set (referenced as ${{{part.Variable}}}; give it a value, or a fallback with ${{{part.Variable}:-value}})");
            result.Append(resolved);
        }
        return result.ToString();
    }

    /// <summary>One piece of a value: literal text, or a reference with its optional fallback.</summary>
    internal readonly record struct Part(string Text, string? Variable, string? Fallback);

    internal static List<Part> Parse(string value, string key)
    {
        var parts = new List<Part>();
        var literal = new StringBuilder();
        int i = 0;
        while (i < value.Length)
        {
            int dollar = value.IndexOf('$', i);
            if (dollar < 0)
            {
                literal.Append(value, i, value.Length - i);
                break;
            }
            literal.Append(value, i, dollar - i);
            if (dollar + 2 < value.Length && value[dollar + 1] == '$' && value[dollar + 2] == '{')
            {
                literal.Append("${");
                i = dollar + 3;
                continue;
            }
            if (dollar + 1 >= value.Length || value[dollar + 1] != '{')
            {
                literal.Append('$');
                i = dollar + 1;
                continue;
            }
            int close = value.IndexOf('}', dollar + 2);
            if (close < 0)
                throw new ConfigException(key, $"'${{' without its closing '}}' (write $${{ for a literal ${{)");
            var body = value.AsSpan(dollar + 2, close - dollar - 2);
            string? fallback = null;
            int separator = body.IndexOf(":-", StringComparison.Ordinal);
            if (separator >= 0)
            {
                fallback = body[(separator + 2)..].ToString();
                body = body[..separator];
            }
            string name = body.ToString();
            if (!IsVariableName(name))
                throw new ConfigException(key, $"'${{{value[(dollar + 2)..close]}}}' is not a variable reference: expected ${{NAME}} or ${{NAME:-fallback}} with NAME of letters, digits and '_' (write $${{ for a literal ${{)");
            if (literal.Length > 0)
            {
                parts.Add(new Part(literal.ToString(), null, null));
                literal.Clear();
            }
            parts.Add(new Part("", name, fallback));
            i = close + 1;
        }
        if (literal.Length > 0)
            parts.Add(new Part(literal.ToString(), null, null));
        return parts;
    }

    private static bool IsVariableName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
            return false;
        foreach (char c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
                return false;
        return true;
    }
}
