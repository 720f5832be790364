using System.Globalization;
using System.Text.Json.Nodes;

namespace IngestHub.Pipelines.Configuration;

/// <summary>
/// One documented connector setting: its key, type, default, bounds and allowed values. The parsers read values
/// through these definitions (<see cref="SettingsReader"/> takes the default and bounds from here), so the
/// schema the API publishes is the one that validates and cannot drift from it.
/// </summary>
public sealed class SettingDefinition
{
    private SettingDefinition(string name, string? section, SettingType type, JsonNode? defaultValue, string description)
    {
        Name = name;
        Section = section;
        Type = type;
        Default = defaultValue;
        Description = description;
    }

    /// <summary>The key inside its section (<c>port</c>).</summary>
    public string Name { get; }

    /// <summary>The section holding the key (<c>input</c>, <c>output</c>, <c>errors</c>), or null at the top.</summary>
    public string? Section { get; }

    /// <summary>The key path in a connector configuration (<c>output.port</c>).</summary>
    public string Path => Section is null ? Name : Section + "." + Name;

    public SettingType Type { get; }

    public JsonNode? Default { get; }

    public string Description { get; }

    public bool Required { get; private init; }

    public long? Min { get; private init; }

    public long? Max { get; private init; }

    /// <summary>The values accepted (lowercase), when the setting is a choice.</summary>
    public IReadOnlyList<string> Allowed { get; private init; } = [];

    public static SettingDefinition String(string section, string name, string? defaultValue, string description, bool required = false) =>
        new(name, Top(section), SettingType.String, defaultValue is null ? null : JsonValue.Create(defaultValue), description) { Required = required };

    public static SettingDefinition Password(string section, string name, string description) =>
        new(name, Top(section), SettingType.Password, null, description);

    public static SettingDefinition Int(string section, string name, int defaultValue, int min, int max, string description) =>
        new(name, Top(section), SettingType.Int, JsonValue.Create(defaultValue), description) { Min = min, Max = max };

    public static SettingDefinition Long(string section, string name, long defaultValue, long min, long max, string description) =>
        new(name, Top(section), SettingType.Long, JsonValue.Create(defaultValue), description) { Min = min, Max = max };

    public static SettingDefinition Bool(string section, string name, bool defaultValue, string description) =>
        new(name, Top(section), SettingType.Boolean, JsonValue.Create(defaultValue), description);

    public static SettingDefinition List(string section, string name, string description) =>
        new(name, Top(section), SettingType.List, null, description);

    public static SettingDefinition Object(string section, string name, string description) =>
        new(name, Top(section), SettingType.Object, null, description);

    /// <summary>A choice among <paramref name="allowed"/>; the first is not implied to be the default.</summary>
    public static SettingDefinition Choice(string section, string name, string defaultValue, string[] allowed, string description) =>
        new(name, Top(section), SettingType.String, JsonValue.Create(defaultValue), description) { Allowed = allowed };

    /// <summary>A choice among the names of <typeparamref name="T"/> (shown lowercase; read as
    /// <see cref="SettingsReader.Enum{T}(string, T)"/> reads them, ignoring case, '_' and '-').</summary>
    public static SettingDefinition Choice<T>(string section, string name, T defaultValue, string description) where T : struct, Enum =>
        new(name, Top(section), SettingType.String, JsonValue.Create(defaultValue.ToString().ToLowerInvariant()), description)
        {
            Allowed = [.. Enum.GetNames<T>().Select(n => n.ToLowerInvariant())],
            EnumType = typeof(T),
        };

    /// <summary>The enum a choice is read into, when it is one.</summary>
    public Type? EnumType { get; private init; }

    /// <summary>Whether <paramref name="value"/> is one of <see cref="Allowed"/> (always, when there is no list).</summary>
    public bool Accepts(string value)
    {
        if (Allowed.Count == 0)
            return true;
        if (EnumType is not null)
            return Enum.TryParse(EnumType, value.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out _);
        foreach (var a in Allowed)
            if (a == value)
                return true;
        return false;
    }

    private static string? Top(string section) => section.Length == 0 ? null : section;

    public string? DefaultString => Default switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => other.ToJsonString(),
    };

    public int DefaultInt => Default is JsonValue v && v.TryGetValue(out int i) ? i : 0;

    public long DefaultLong => Default is JsonValue v && v.TryGetValue(out long l) ? l : DefaultInt;

    public bool DefaultBool => Default is JsonValue v && v.TryGetValue(out bool b) && b;

    /// <summary>The problem with <paramref name="value"/> on its own (type, bounds, allowed values), or null. It
    /// runs the same reader the parsers use.</summary>
    public string? Check(JsonNode? value)
    {
        if (value is null)
            return Required ? "is required" : null;
        var reader = new SettingsReader(new JsonObject { [Name] = value.DeepClone() });
        try
        {
            switch (Type)
            {
                case SettingType.Int:
                    reader.Int(this);
                    break;
                case SettingType.Long:
                    reader.Long(this);
                    break;
                case SettingType.Boolean:
                    reader.Bool(this);
                    break;
                case SettingType.List:
                    reader.StringList(this);
                    break;
                case SettingType.Object:
                    if (value is not (JsonObject or JsonArray))
                        return "must be an object or a list";
                    break;
                default:
                    if (Required)
                        reader.RequiredString(this);
                    else
                        reader.String(this);
                    break;
            }
            return null;
        }
        catch (ConfigException ex)
        {
            return ex.Key is { } key && ex.Message.StartsWith(key + ": ", StringComparison.Ordinal) ? ex.Message[(key.Length + 2)..] : ex.Message;
        }
    }

    /// <summary>Kafka Connect's ConfigKeyInfo shape, plus the allowed values and bounds.</summary>
    public JsonObject ToJson(int order)
    {
        var json = new JsonObject
        {
            ["name"] = Path,
            ["type"] = Type.ToString().ToUpperInvariant(),
            ["required"] = Required,
            ["default_value"] = DefaultString,
            ["importance"] = Required ? "HIGH" : "MEDIUM",
            ["documentation"] = Description,
            ["group"] = Section ?? "connector",
            ["width"] = Type is SettingType.List or SettingType.Object ? "LONG" : "MEDIUM",
            ["display_name"] = Name,
            ["dependents"] = new JsonArray(),
            ["order"] = order,
            ["allowed_values"] = new JsonArray([.. Allowed.Select(a => (JsonNode)a)]),
        };
        if (Min is { } min)
            json["min"] = min;
        if (Max is { } max)
            json["max"] = max;
        return json;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path} ({Type})");
}
