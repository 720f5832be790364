using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Filters;

namespace IngestHub.Pipelines;

/// <summary>
/// Runs a codec and filter chain over sample records and shows each event after every filter, the way a grok
/// debugger does, so a chain can be tried before a connector is saved. Nothing is consumed or delivered.
/// </summary>
public static class PipelinePreview
{
    public const int MaxRecords = 200;

    /// <summary>One sample record: its value and where it came from (a pasted line has no position).</summary>
    public readonly record struct Sample(string Value, string Topic = "preview", int Partition = 0, long Offset = 0, long Timestamp = -1);

    /// <summary>Compiles <c>codec</c> and <c>filters</c> of <paramref name="config"/> (a connector configuration or just
    /// those two keys) and runs the samples; throws <see cref="ConfigException"/> naming the key when they are invalid.</summary>
    public static JsonObject Run(JsonObject config, IReadOnlyList<Sample> samples, TimeProvider? clock = null)
    {
        var definition = PipelineDefinition.FromJson(new JsonObject
        {
            ["name"] = "preview",
            ["input"] = new JsonObject { ["topics"] = new JsonArray("preview") },
            ["codec"] = config["codec"]?.DeepClone(),
            ["filters"] = config["filters"]?.DeepClone(),
            ["output"] = new JsonObject { ["type"] = "preview" },
        });
        var pipeline = Pipeline.Compile(definition, clock);
        var records = new JsonArray();
        int count = Math.Min(samples.Count, MaxRecords);
        for (int i = 0; i < count; i++)
            records.Add(RunOne(pipeline, samples[i]));
        return new JsonObject
        {
            ["filters"] = new JsonArray([.. pipeline.Filters.Select((f, i) => (JsonNode)$"filters[{i}].{f.Name}")]),
            ["records"] = records,
            ["truncated"] = samples.Count > count,
        };
    }

    private static JsonObject RunOne(Pipeline pipeline, Sample sample)
    {
        var record = new KafkaRecord(sample.Topic, sample.Partition, sample.Offset, sample.Timestamp, null, Encoding.UTF8.GetBytes(sample.Value));
        var events = new List<LogEvent>();
        var failures = new List<DecodeFailure>();
        pipeline.Codec.Decode(record, events, failures);
        var decoded = new JsonArray();
        foreach (var e in events)
        {
            var stages = new JsonArray();
            bool dropped = false;
            for (int i = 0; i < pipeline.Filters.Count && !dropped; i++)
            {
                var filter = pipeline.Filters[i];
                var outcome = filter.Apply(e);
                dropped = outcome == FilterOutcome.Drop;
                stages.Add(new JsonObject
                {
                    ["filter"] = $"filters[{i}].{filter.Name}",
                    ["outcome"] = outcome.ToString().ToLowerInvariant(),
                    ["event"] = dropped ? null : e.Fields.DeepClone(),
                });
            }
            decoded.Add(new JsonObject
            {
                ["stages"] = stages,
                ["dropped"] = dropped,
                ["event"] = dropped ? null : e.Fields.DeepClone(),
            });
        }
        return new JsonObject
        {
            ["input"] = sample.Value,
            ["source"] = $"{sample.Topic}-{sample.Partition}@{sample.Offset}",
            ["events"] = decoded,
            ["decode_errors"] = new JsonArray([.. failures.Select(f => (JsonNode)f.Reason)]),
        };
    }
}
