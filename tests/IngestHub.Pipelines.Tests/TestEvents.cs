using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Filters;

namespace IngestHub.Pipelines.Tests;

internal static class TestEvents
{
    public static LogEvent Message(string message) => new(new JsonObject { ["message"] = message });

    public static LogEvent Fields(string json) => new(JsonNode.Parse(json)!.AsObject());

    public static FilterStage Filter(string name, string settingsJson, TimeProvider? clock = null) =>
        FilterCatalog.Create(name, JsonNode.Parse(settingsJson)!.AsObject(), $"filters[0].{name}", clock ?? TimeProvider.System);

    public static KafkaRecord Record(string? value, string topic = "logs", int partition = 0, long offset = 7, long timestamp = 1_700_000_000_123, string? key = null) =>
        new(topic, partition, offset, timestamp,
            key is null ? null : (ReadOnlyMemory<byte>?)Encoding.UTF8.GetBytes(key),
            value is null ? null : (ReadOnlyMemory<byte>?)Encoding.UTF8.GetBytes(value));

    public static IReadOnlyList<string> Tags(LogEvent e) =>
        e.Fields["tags"] is JsonArray a ? [.. a.Select(t => t!.GetValue<string>())] : [];
}

/// <summary>A clock fixed at a given instant, for year guessing and codec fallbacks.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
