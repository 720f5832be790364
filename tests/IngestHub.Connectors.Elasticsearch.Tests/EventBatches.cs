using System.Text.Json.Nodes;
using IngestHub.Pipelines.Events;

namespace IngestHub.Connectors.Elasticsearch.Tests;

/// <summary>Builds LogEvents with source positions, as the pipeline runtime hands them to a sink.</summary>
internal static class EventBatches
{
    public static readonly DateTimeOffset Start = new(2024, 3, 9, 20, 0, 0, TimeSpan.Zero);

    /// <summary>Event n: topic <paramref name="topic"/>, partition n % partitions, offset n / partitions,
    /// <c>@timestamp</c> Start + n·step, fields <c>n</c>, <c>message</c>, <c>service.name</c>.</summary>
    public static List<LogEvent> Make(int count, string topic = "app-logs", int partitions = 4, TimeSpan? step = null, Action<int, LogEvent>? shape = null)
    {
        var events = new List<LogEvent>(count);
        var every = step ?? TimeSpan.FromSeconds(1);
        for (int n = 0; n < count; n++)
        {
            var e = new LogEvent(new JsonObject
            {
                ["n"] = n,
                ["message"] = $"GET /orders/{n} 200",
                ["log"] = new JsonObject { ["level"] = n % 50 == 0 ? "warn" : "info" },
                ["service"] = new JsonObject { ["name"] = "checkout" },
            }, new JsonObject { ["pipeline"] = "main" })
            {
                Source = new SourcePosition(topic, n % partitions, n / partitions),
            };
            e.Timestamp = Start + every * n;
            shape?.Invoke(n, e);
            events.Add(e);
        }
        return events;
    }

    /// <summary>Splits into runtime-sized batches.</summary>
    public static IEnumerable<List<LogEvent>> Batches(List<LogEvent> events, int size)
    {
        for (int i = 0; i < events.Count; i += size)
            yield return events.GetRange(i, Math.Min(size, events.Count - i));
    }
}
