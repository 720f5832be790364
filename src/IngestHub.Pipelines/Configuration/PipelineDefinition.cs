using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Filters;

namespace IngestHub.Pipelines.Configuration;

/// <summary>
/// A validated pipeline (connector) definition: input topics and group, codec, filters, output sink and
/// error handling. Built from YAML (<see cref="FromYaml"/>) or a JSON object (<see cref="FromJson"/>), which
/// share one parser; every error is a <see cref="ConfigException"/> naming the key. <see cref="ToJson"/>
/// gives the normalized form with defaults filled in.
/// </summary>
public sealed partial class PipelineDefinition
{
    public const int MaxWorkers = 256;
    private static readonly string[] OutputCommonKeys = [.. PipelineSettings.OutputCommon.Select(d => d.Name)];

    private PipelineDefinition(string name, string? description, InputDefinition input, CodecKind codec,
        IReadOnlyList<FilterDefinition> filters, OutputDefinition output, ErrorsDefinition errors, AutoscaleDefinition? autoscale)
    {
        Autoscale = autoscale;
        Name = name;
        Description = description;
        Input = input;
        Codec = codec;
        Filters = filters;
        Output = output;
        Errors = errors;
    }

    public string Name { get; }

    public string? Description { get; }

    public InputDefinition Input { get; }

    public CodecKind Codec { get; }

    public IReadOnlyList<FilterDefinition> Filters { get; }

    public OutputDefinition Output { get; }

    public ErrorsDefinition Errors { get; }

    /// <summary>Lag-driven worker scaling (and spilling), or null when the worker count is fixed.</summary>
    public AutoscaleDefinition? Autoscale { get; }

    [GeneratedRegex("^[a-zA-Z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    public static PipelineDefinition FromYaml(string yaml, IReadOnlyCollection<string>? outputTypes = null) =>
        FromJson(YamlJson.ParseObject(yaml), outputTypes);

    /// <summary>Parses and validates. <paramref name="outputTypes"/>, when given, lists the sink types that
    /// exist; the definition does not keep references into <paramref name="root"/>.</summary>
    public static PipelineDefinition FromJson(JsonObject root, IReadOnlyCollection<string>? outputTypes = null)
    {
        var s = new SettingsReader(root);
        s.RejectUnknownKeys(PipelineSettings.Top, "input", "output", "errors", "autoscale");
        var name = s.RequiredString(PipelineSettings.Name);
        CheckName("name", name);
        var input = ParseInput(s.Section("input"), name, root.ContainsKey("input"));
        var codec = s.Enum<CodecKind>(PipelineSettings.Codec);
        var filters = ParseFilters(root["filters"]);
        var output = ParseOutput(root["output"], outputTypes);
        var errors = ParseErrors(s.Section("errors"), name);
        var autoscale = root["autoscale"] is null ? null : AutoscaleDefinition.Parse(s.Section("autoscale"));
        return new PipelineDefinition(name, s.String(PipelineSettings.Description), input, codec, filters, output, errors, autoscale);
    }

    private static void CheckName(string key, string value)
    {
        if (!NamePattern().IsMatch(value))
            throw new ConfigException(key, $"'{value}' may contain only letters, digits, '.', '_' and '-'");
        if (value.Length > 249)
            throw new ConfigException(key, "must be at most 249 characters");
    }

    private static InputDefinition ParseInput(SettingsReader s, string name, bool present)
    {
        if (!present)
            throw new ConfigException("input", "is required");
        s.RejectUnknownKeys(PipelineSettings.Input);
        var topics = s.StringList(PipelineSettings.Topics);
        var regex = s.String(PipelineSettings.TopicsRegex);
        if (topics.Count > 0 && regex is not null)
            throw new ConfigException(s.KeyOf("topics.regex"), "cannot be combined with input.topics");
        if (topics.Count == 0 && regex is null)
            throw new ConfigException(s.KeyOf("topics"), "is required (or input.topics.regex)");
        for (int i = 0; i < topics.Count; i++)
            CheckName($"{s.KeyOf("topics")}[{i}]", topics[i]);
        if (regex is not null)
        {
            try
            {
                _ = new Regex(regex, RegexOptions.CultureInvariant);
            }
            catch (ArgumentException ex)
            {
                throw new ConfigException(s.KeyOf("topics.regex"), "invalid regular expression: " + ex.Message);
            }
        }
        var groupId = s.String(PipelineSettings.GroupId) ?? name;
        if (groupId.Length == 0)
            throw new ConfigException(s.KeyOf("group.id"), "must not be empty");
        return new InputDefinition(
            [.. topics],
            regex,
            groupId,
            s.Int(PipelineSettings.Workers),
            s.Enum<StartPosition>(PipelineSettings.Start),
            s.Int(PipelineSettings.MaxPollRecords));
    }

    private static FilterDefinition[] ParseFilters(JsonNode? node)
    {
        if (node is null)
            return [];
        if (node is not JsonArray array)
            throw new ConfigException("filters", "must be a list such as [ { grok: { match: ... } } ]");
        var result = new FilterDefinition[array.Count];
        for (int i = 0; i < array.Count; i++)
        {
            var key = $"filters[{i}]";
            if (array[i] is not JsonObject entry || entry.Count != 1)
                throw new ConfigException(key, "must be an object with exactly one filter name, e.g. { mutate: { ... } }");
            var (type, settingsNode) = entry.First();
            var settings = settingsNode switch
            {
                null => new JsonObject(),
                JsonObject obj => (JsonObject)obj.DeepClone(),
                _ => throw new ConfigException($"{key}.{type}", "settings must be an object"),
            };
            // Compiling validates every setting now, so a bad pattern fails the definition, not a worker.
            FilterCatalog.Create(type, settings, $"{key}.{type}", TimeProvider.System);
            result[i] = new FilterDefinition(type, settings);
        }
        return result;
    }

    private static OutputDefinition ParseOutput(JsonNode? node, IReadOnlyCollection<string>? outputTypes)
    {
        if (node is null)
            throw new ConfigException("output", "is required");
        if (node is not JsonObject obj)
            throw new ConfigException("output", "must be an object with a type");
        var s = new SettingsReader(obj, "output");
        var type = s.RequiredString(PipelineSettings.Type);
        if (outputTypes is not null && !outputTypes.Contains(type))
            throw new ConfigException("output.type", $"unknown output {type} (expected one of {string.Join(", ", outputTypes)})");
        var settings = new JsonObject();
        foreach (var (key, value) in obj)
            if (Array.IndexOf(OutputCommonKeys, key) < 0)
                settings[key] = value?.DeepClone();
        return new OutputDefinition(type, s.Int(PipelineSettings.BatchSize), s.Int(PipelineSettings.LingerMs), settings);
    }

    private static ErrorsDefinition ParseErrors(SettingsReader s, string name)
    {
        s.RejectUnknownKeys(PipelineSettings.Errors);
        var topic = s.String(PipelineSettings.DeadLetterTopic) ?? name + ".dlq";
        CheckName(s.KeyOf("deadletterqueue.topic.name"), topic);
        return new ErrorsDefinition(s.Enum<ErrorTolerance>(PipelineSettings.Tolerance), topic);
    }

    /// <summary>The normalized definition (defaults filled in), as the REST API returns it.</summary>
    public JsonObject ToJson()
    {
        var input = new JsonObject();
        if (Input.TopicsRegex is null)
            input["topics"] = new JsonArray([.. Input.Topics.Select(t => (JsonNode)t)]);
        else
            input["topics.regex"] = Input.TopicsRegex;
        input["group.id"] = Input.GroupId;
        input["workers"] = Input.Workers;
        input["start"] = Input.Start.ToString().ToLowerInvariant();
        input["max.poll.records"] = Input.MaxPollRecords;

        var filters = new JsonArray();
        foreach (var f in Filters)
            filters.Add(new JsonObject { [f.Type] = f.Settings.DeepClone() });

        var output = new JsonObject { ["type"] = Output.Type, ["batch.size"] = Output.BatchSize, ["linger.ms"] = Output.LingerMs };
        foreach (var (key, value) in Output.Settings)
            output[key] = value?.DeepClone();

        var root = new JsonObject { ["name"] = Name };
        if (Description is not null)
            root["description"] = Description;
        root["input"] = input;
        root["codec"] = Codec.ToString().ToLowerInvariant();
        root["filters"] = filters;
        root["output"] = output;
        root["errors"] = new JsonObject
        {
            ["tolerance"] = Errors.Tolerance.ToString().ToLowerInvariant(),
            ["deadletterqueue.topic.name"] = Errors.DeadLetterTopic,
        };
        if (Autoscale is not null)
            root["autoscale"] = Autoscale.ToJson();
        return root;
    }
}
