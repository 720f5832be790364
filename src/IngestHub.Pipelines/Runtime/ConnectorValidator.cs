using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;

namespace IngestHub.Pipelines.Runtime;

/// <summary>
/// Validates a connector configuration without running it, for <c>PUT /connector-plugins/{type}/config/validate</c>.
/// Every setting is checked on its own first (type, bounds, allowed values, unknown keys), so several mistakes are
/// reported at once; when those pass, the configuration is compiled exactly as create and update compile it
/// (<see cref="ConnectorRegistry.ValidateName"/> and <see cref="PipelineCompiler.Compile"/>), so validate and create
/// never disagree.
/// </summary>
public sealed class ConnectorValidator(PipelineCompiler compiler)
{
    /// <summary>The full schema of a connector with this sink type: the common settings, then the sink's; null
    /// when the type is unknown.</summary>
    public IReadOnlyList<SettingDefinition>? Schema(string type) =>
        compiler.Sink(type) is { } sink
            // output.batch.size and output.linger.ms are the runtime's; a sink's own setting of that name is not reachable.
            ? [.. PipelineSettings.All, .. sink.Settings.Where(d => !PipelineSettings.All.Any(c => c.Path == d.Path))]
            : null;

    public async Task<ConnectorValidation> ValidateAsync(string type, JsonObject config)
    {
        var schema = Schema(type) ?? throw new ArgumentException($"unknown sink type {type}", nameof(type));
        var shown = ConfigSecrets.Mask(config);
        var results = new List<SettingValidation>(schema.Count);
        foreach (var definition in schema)
            results.Add(new SettingValidation(definition.Path, definition, Lookup(shown, definition.Path), []));

        var given = config["output"] is JsonObject o && o["type"] is JsonValue t && t.TryGetValue(out string? declared) ? declared : null;
        var work = (JsonObject)config.DeepClone();
        if (given is null)
        {
            if (work["output"] is not JsonObject output)
                work["output"] = output = [];
            output["type"] = type;
        }
        else if (!string.Equals(given, type, StringComparison.OrdinalIgnoreCase))
        {
            Add(results, "output.type", $"is {given}, but this is the {type} connector type");
        }

        JsonObject? expanded = null;
        try
        {
            expanded = compiler.Expand(work);
        }
        catch (ConfigException ex)
        {
            AddException(results, ex);
        }
        if (expanded is not null)
        {
            foreach (var result in results)
                if (result.Definition!.Check(Lookup(expanded, result.Path)) is { } problem)
                    result.Errors.Add(problem);
            UnknownKeys(expanded, schema, results);
        }

        string? name = work["name"] is JsonValue n && n.TryGetValue(out string? text) ? text : null;
        if (name is not null && results.Sum(r => r.Errors.Count) == 0)
        {
            try
            {
                ConnectorRegistry.ValidateName(name);
                var compiled = compiler.Compile(name, work);
                await compiled.CreateSink().DisposeAsync(); // the probe built to validate the sink settings
            }
            catch (ConfigException ex)
            {
                AddException(results, ex);
            }
        }
        return new ConnectorValidation(type, results);
    }

    private static void UnknownKeys(JsonObject config, IReadOnlyList<SettingDefinition> schema, List<SettingValidation> results)
    {
        var known = new HashSet<string>(schema.Select(d => d.Path), StringComparer.Ordinal) { "input", "output", "errors" };
        foreach (var (key, value) in config)
        {
            if (value is JsonObject section && key is "input" or "output" or "errors")
            {
                foreach (var (inner, innerValue) in section)
                    if (!known.Contains(key + "." + inner))
                        Add(results, key + "." + inner, "unknown key", innerValue);
            }
            else if (!known.Contains(key))
            {
                Add(results, key, "unknown key", value);
            }
        }
    }

    private static void AddException(List<SettingValidation> results, ConfigException ex)
    {
        string key = ex.Key ?? "";
        string message = ex.Key is not null && ex.Message.StartsWith(ex.Key + ": ", StringComparison.Ordinal) ? ex.Message[(ex.Key.Length + 2)..] : ex.Message;
        // A key inside a setting (filters[1].grok.match, input.topics[0]) is reported on that setting, with the detail.
        var owner = results.Where(r => r.Definition is not null && IsWithin(key, r.Path)).MaxBy(r => r.Path.Length);
        if (owner is not null && owner.Path != key)
            message = key + ": " + message;
        Add(results, owner?.Path ?? (key.Length > 0 ? key : "name"), message);
    }

    private static bool IsWithin(string key, string path) =>
        key == path || key.StartsWith(path, StringComparison.Ordinal) && key.Length > path.Length && key[path.Length] is '.' or '[';

    private static void Add(List<SettingValidation> results, string path, string error, JsonNode? value = null)
    {
        var existing = results.Find(r => r.Path == path);
        if (existing is null)
            results.Add(existing = new SettingValidation(path, null, value?.DeepClone(), []));
        if (!existing.Errors.Contains(error))
            existing.Errors.Add(error);
    }

    /// <summary>The value at a setting path: <c>output.port</c> is <c>config.output.port</c>; a key with dots inside a
    /// section (<c>input.topics.regex</c>) is one key of that section.</summary>
    public static JsonNode? Lookup(JsonObject config, string path)
    {
        int dot = path.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && path[..dot] is "input" or "output" or "errors")
            return config[path[..dot]] is JsonObject section ? section[path[(dot + 1)..]] : null;
        return config[path];
    }
}
