using System.Globalization;
using System.Text.Json.Nodes;

namespace IngestHub.Streams.Tests;

/// <summary>
/// Generated JSON log lines ({"@timestamp", "service", "level", "message"}) with event times advancing by a fixed
/// step from a start in the past, and the counts per (service, minute, level) they must produce.
/// </summary>
public sealed class LogData
{
    public static readonly string[] Levels = ["INFO", "WARN", "ERROR", "DEBUG"];

    private LogData(List<(string Key, string Value, int Partition)> records, Dictionary<string, Dictionary<string, long>> counts)
    {
        Records = records;
        Counts = counts;
    }

    public List<(string Key, string Value, int Partition)> Records { get; }

    /// <summary>By "service:yyyy-MM-ddTHH:mm", counts per level.</summary>
    public Dictionary<string, Dictionary<string, long>> Counts { get; }

    public static readonly DateTimeOffset Start = new(2024, 3, 1, 10, 0, 0, TimeSpan.Zero);

    public static LogData Generate(int count, int seed, TimeSpan step, int services, int partitions)
    {
        var random = new Random(seed);
        var records = new List<(string, string, int)>(count);
        var counts = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            var at = Start + step * i;
            string service = "svc" + random.Next(services).ToString(CultureInfo.InvariantCulture);
            string level = Levels[random.Next(10) switch { < 6 => 0, < 8 => 1, < 9 => 2, _ => 3 }];
            var line = new JsonObject
            {
                ["@timestamp"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["service"] = service,
                ["level"] = level,
                ["message"] = $"request {i} done",
            };
            records.Add((service, line.ToJsonString(), i % partitions));
            string key = service + ":" + at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
            if (!counts.TryGetValue(key, out var levels))
                counts[key] = levels = new Dictionary<string, long>(StringComparer.Ordinal);
            levels[level] = levels.GetValueOrDefault(level) + 1;
        }
        return new LogData(records, counts);
    }
}
