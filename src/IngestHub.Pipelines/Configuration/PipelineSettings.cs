using IngestHub.Pipelines.Codecs;

namespace IngestHub.Pipelines.Configuration;

/// <summary>The settings every connector has, whatever its sink: input, codec, filters, the output's batching and
/// error handling. <see cref="PipelineDefinition"/> reads them through these definitions.</summary>
public static class PipelineSettings
{
    public static readonly SettingDefinition Name = SettingDefinition.String("", "name", null,
        "Connector name: letters, digits, '.', '_' and '-'", required: true);
    public static readonly SettingDefinition Description = SettingDefinition.String("", "description", null, "Free text shown with the connector");
    public static readonly SettingDefinition Codec = SettingDefinition.Choice("", "codec", CodecKind.Plain,
        "How record values are decoded: plain (the value is one line in message), json (one object), ndjson (one object per line)");
    public static readonly SettingDefinition Filters = SettingDefinition.Object("", "filters",
        "Ordered list of filters (json, grok, dissect, date, mutate, drop), each { name: { settings } } with an optional if:");

    public static readonly SettingDefinition Topics = SettingDefinition.List("input", "topics", "Topics to consume (or input.topics.regex)");
    public static readonly SettingDefinition TopicsRegex = SettingDefinition.String("input", "topics.regex", null, "Regular expression of topics to consume, instead of input.topics");
    public static readonly SettingDefinition GroupId = SettingDefinition.String("input", "group.id", null, "Consumer group (default: the connector name)");
    public static readonly SettingDefinition Workers = SettingDefinition.Int("input", "workers", 1, 1, PipelineDefinition.MaxWorkers,
        "Consumer-group members; more than the partition count are not started");
    public static readonly SettingDefinition Start = SettingDefinition.Choice("input", "start", StartPosition.Earliest,
        "Where a group without committed offsets starts");
    public static readonly SettingDefinition MaxPollRecords = SettingDefinition.Int("input", "max.poll.records", 500, 1, 100_000, "Records fetched per poll");

    public static readonly SettingDefinition Type = SettingDefinition.String("output", "type", null, "Sink type", required: true);
    public static readonly SettingDefinition BatchSize = SettingDefinition.Int("output", "batch.size", 500, 1, 100_000, "Events per sink write");
    public static readonly SettingDefinition LingerMs = SettingDefinition.Int("output", "linger.ms", 50, 0, 60_000, "Longest wait to fill a batch");

    public static readonly SettingDefinition Tolerance = SettingDefinition.Choice("errors", "tolerance", ErrorTolerance.None,
        "none: stop the connector as FAILED on a record it cannot process; all: send it to the dead-letter topic and go on");
    public static readonly SettingDefinition DeadLetterTopic = SettingDefinition.String("errors", "deadletterqueue.topic.name", null,
        "Dead-letter topic (default: <name>.dlq)");

    public static IReadOnlyList<SettingDefinition> Top { get; } = [Name, Description, Codec, Filters];
    public static IReadOnlyList<SettingDefinition> Input { get; } = [Topics, TopicsRegex, GroupId, Workers, Start, MaxPollRecords];
    public static IReadOnlyList<SettingDefinition> OutputCommon { get; } = [Type, BatchSize, LingerMs];
    public static IReadOnlyList<SettingDefinition> Errors { get; } = [Tolerance, DeadLetterTopic];

    /// <summary>All of them in the order a form shows them: name, input, codec, filters, output, errors.</summary>
    public static IReadOnlyList<SettingDefinition> All { get; } = [Name, Description, .. Input, Codec, Filters, .. OutputCommon, .. Errors];
}
