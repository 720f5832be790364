using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IngestHub.Pipelines.Configuration;

/// <summary>Typed access to a settings object with errors that name the key (values may be given as JSON
/// numbers/booleans or as strings, as YAML and Connect-style JSON both produce).</summary>
public sealed class SettingsReader(JsonObject settings, string prefix = "")
{
    public JsonObject Settings { get; } = settings;

    /// <summary>The key path of this section (<c>filters[2].grok</c>), used in error messages.</summary>
    public string Prefix => prefix;

    private string Key(string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>The full key of a setting, for error messages.</summary>
    public string KeyOf(string name) => Key(name);

    /// <summary>Rejects keys that are not in <paramref name="known"/>, naming the first unknown one.</summary>
    public void RejectUnknownKeys(params ReadOnlySpan<string> known)
    {
        foreach (var (name, _) in Settings)
        {
            bool found = false;
            foreach (var k in known)
            {
                if (k == name)
                {
                    found = true;
                    break;
                }
            }
            if (!found)
                throw new ConfigException(Key(name), $"unknown key (expected one of {string.Join(", ", known.ToArray())})");
        }
    }

    /// <summary>An object of string (or scalar) values, in order: <c>{ field: value }</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> StringMap(string name)
    {
        var node = Settings[name];
        switch (node)
        {
            case null:
                return [];
            case JsonObject obj:
                var list = new List<KeyValuePair<string, string>>(obj.Count);
                foreach (var (key, value) in obj)
                {
                    var text = value switch
                    {
                        JsonValue v when v.TryGetValue(out string? str) => str,
                        JsonValue v => v.ToJsonString(),
                        _ => throw new ConfigException(Key(name) + "." + key, "must be a string"),
                    };
                    list.Add(new(key, text));
                }
                return list;
            default:
                throw new ConfigException(Key(name), "must be an object of field: value");
        }
    }

    public bool Has(string name) => Settings.ContainsKey(name) && Settings[name] is not null;

    public string? String(string name, string? defaultValue = null)
    {
        var node = Settings[name];
        if (node is null)
            return defaultValue;
        if (node is JsonValue v)
        {
            if (v.TryGetValue(out string? s))
                return s;
            return v.ToJsonString();
        }
        throw new ConfigException(Key(name), "must be a string");
    }

    public string RequiredString(string name) =>
        String(name) is { Length: > 0 } s ? s : throw new ConfigException(Key(name), "is required");

    public long Long(string name, long defaultValue, long min = long.MinValue, long max = long.MaxValue)
    {
        var node = Settings[name];
        if (node is null)
            return defaultValue;
        long value;
        if (node is JsonValue v && v.TryGetValue(out long l))
            value = l;
        else if (node is JsonValue i && i.TryGetValue(out int small))
            value = small;
        else if (node is JsonValue s && s.TryGetValue(out string? text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed))
            value = parsed;
        else if (node is JsonValue n && n.GetValueKind() == JsonValueKind.Number && long.TryParse(n.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long any))
            value = any; // numbers built in code (int, short) rather than parsed
        else if (node is JsonValue d && d.GetValueKind() == JsonValueKind.Number && double.TryParse(d.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double dbl) && dbl == Math.Floor(dbl) && Math.Abs(dbl) < 9.2e18)
            value = (long)dbl;
        else
            throw new ConfigException(Key(name), $"must be an integer, got {node.ToJsonString()}");
        if (value < min || value > max)
            throw new ConfigException(Key(name), $"must be between {min} and {max}, got {value}");
        return value;
    }

    public int Int(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue) =>
        (int)Long(name, defaultValue, min, max);

    /// <summary>A duration given as <c>300s</c>, <c>5m</c>, <c>1h</c>, <c>250ms</c> or a bare number of seconds.</summary>
    public TimeSpan Duration(string name, TimeSpan defaultValue, TimeSpan min, TimeSpan max)
    {
        var node = Settings[name];
        if (node is null)
            return defaultValue;
        string text = node is JsonValue v && v.TryGetValue(out string? s) ? s.Trim() : node.ToJsonString();
        if (!TryParseDuration(text, out var value))
            throw new ConfigException(Key(name), $"must be a duration such as 30s, 5m or 250ms, got {node.ToJsonString()}");
        if (value < min || value > max)
            throw new ConfigException(Key(name), $"must be between {FormatDuration(min)} and {FormatDuration(max)}, got {text}");
        return value;
    }

    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        (string digits, double unitMs) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (text[..^2], 1.0),
            _ when text.EndsWith('s') || text.EndsWith('S') => (text[..^1], 1_000.0),
            _ when text.EndsWith('m') || text.EndsWith('M') => (text[..^1], 60_000.0),
            _ when text.EndsWith('h') || text.EndsWith('H') => (text[..^1], 3_600_000.0),
            _ when text.EndsWith('d') || text.EndsWith('D') => (text[..^1], 86_400_000.0),
            _ => (text, 1_000.0),
        };
        if (!double.TryParse(digits.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double amount) || amount * unitMs > 1e13)
            return false;
        value = TimeSpan.FromMilliseconds(Math.Round(amount * unitMs));
        return true;
    }

    /// <summary>The shortest exact form: <c>300s</c>, <c>5m</c>, <c>250ms</c>.</summary>
    public static string FormatDuration(TimeSpan value)
    {
        long ms = (long)value.TotalMilliseconds;
        if (ms != 0 && ms % 3_600_000 == 0)
            return (ms / 3_600_000).ToString(CultureInfo.InvariantCulture) + "h";
        if (ms != 0 && ms % 60_000 == 0 && ms < 3_600_000)
            return (ms / 60_000).ToString(CultureInfo.InvariantCulture) + "m";
        if (ms % 1_000 == 0)
            return (ms / 1_000).ToString(CultureInfo.InvariantCulture) + "s";
        return ms.ToString(CultureInfo.InvariantCulture) + "ms";
    }

    public bool Bool(string name, bool defaultValue)
    {
        var node = Settings[name];
        if (node is null)
            return defaultValue;
        if (node is JsonValue v && v.TryGetValue(out bool b))
            return b;
        if (node is JsonValue s && s.TryGetValue(out string? text) && bool.TryParse(text, out bool parsed))
            return parsed;
        throw new ConfigException(Key(name), $"must be true or false, got {node.ToJsonString()}");
    }

    public IReadOnlyList<string> StringList(string name)
    {
        var node = Settings[name];
        switch (node)
        {
            case null:
                return [];
            case JsonArray array:
                var list = new List<string>(array.Count);
                foreach (var item in array)
                    list.Add(item is JsonValue v && v.TryGetValue(out string? s) ? s : throw new ConfigException(Key(name), "must be a list of strings"));
                return list;
            case JsonValue value when value.TryGetValue(out string? csv):
                var parts = csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return parts;
            default:
                throw new ConfigException(Key(name), "must be a list of strings or a comma-separated string");
        }
    }

    public T Enum<T>(string name, T defaultValue) where T : struct, System.Enum
    {
        var text = String(name);
        if (text is null)
            return defaultValue;
        if (System.Enum.TryParse<T>(text.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var value))
            return value;
        throw new ConfigException(Key(name), $"must be one of {string.Join(", ", System.Enum.GetNames<T>()).ToLowerInvariant()}, got {text}");
    }

    public SettingsReader Section(string name)
    {
        var node = Settings[name];
        return node switch
        {
            null => new SettingsReader([], Key(name)),
            JsonObject obj => new SettingsReader(obj, Key(name)),
            _ => throw new ConfigException(Key(name), "must be an object"),
        };
    }

    // Reads through a SettingDefinition: the key, default, bounds and allowed values all come from it.

    public void RejectUnknownKeys(IReadOnlyList<SettingDefinition> known, params ReadOnlySpan<string> others)
    {
        var names = new string[known.Count + others.Length];
        for (int i = 0; i < known.Count; i++)
            names[i] = known[i].Name;
        others.CopyTo(names.AsSpan(known.Count));
        RejectUnknownKeys(names);
    }

    public string? String(SettingDefinition setting)
    {
        var value = String(setting.Name, setting.DefaultString);
        if (value is not null && !setting.Accepts(value))
            throw new ConfigException(Key(setting.Name), $"must be one of {string.Join(", ", setting.Allowed)}, got {value}");
        return value;
    }

    public string RequiredString(SettingDefinition setting) =>
        String(setting) is { Length: > 0 } s ? s : throw new ConfigException(Key(setting.Name), "is required");

    public long Long(SettingDefinition setting) =>
        Long(setting.Name, setting.DefaultLong, setting.Min ?? long.MinValue, setting.Max ?? long.MaxValue);

    public int Int(SettingDefinition setting) =>
        (int)Long(setting.Name, setting.DefaultInt, setting.Min ?? int.MinValue, setting.Max ?? int.MaxValue);

    public bool Bool(SettingDefinition setting) => Bool(setting.Name, setting.DefaultBool);

    public IReadOnlyList<string> StringList(SettingDefinition setting) => StringList(setting.Name);

    public T Enum<T>(SettingDefinition setting) where T : struct, System.Enum =>
        Enum(setting.Name, System.Enum.Parse<T>(setting.DefaultString!, ignoreCase: true));

    public bool Has(SettingDefinition setting) => Has(setting.Name);
}
