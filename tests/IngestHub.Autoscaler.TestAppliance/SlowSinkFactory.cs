using System.Text.Json.Nodes;
using IngestHub.Connectors.Redis;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Autoscaler.TestAppliance;

/// <summary>Output type <c>slow-redis</c>: the Redis sink behind a fixed cost of <c>cost.per.event.us</c> microseconds per
/// event, hanging on events of <c>stall.partitions</c> (e.g. "0,1").</summary>
public sealed class SlowSinkFactory : ISinkFactory
{
    public const string OutputType = "slow-redis";
    private readonly RedisSinkFactory _redis = new();

    public string Type => OutputType;

    public IReadOnlyList<SettingDefinition> Settings { get; } =
    [
        .. new RedisSinkFactory().Settings,
        SettingDefinition.Long("output", "cost.per.event.us", 100, 0, 1_000_000, "Fixed cost added per event, in microseconds"),
        SettingDefinition.List("output", "stall.partitions", "Partitions whose events hang the sink"),
    ];

    public Task<IReadOnlyList<SinkCheck>> CheckAsync(string connectorName, JsonObject settings, CancellationToken cancellationToken)
    {
        var copy = (JsonObject)settings.DeepClone();
        copy.Remove("cost.per.event.us");
        copy.Remove("stall.partitions");
        return _redis.CheckAsync(connectorName, copy, cancellationToken);
    }

    public ISink Create(string connectorName, JsonObject settings, ILoggerFactory loggerFactory)
    {
        var copy = (JsonObject)settings.DeepClone();
        var reader = new SettingsReader(copy);
        long micros = reader.Long("cost.per.event.us", 100, 0, 1_000_000);
        var stall = reader.StringList("stall.partitions").Select(int.Parse).ToHashSet();
        copy.Remove("cost.per.event.us");
        copy.Remove("stall.partitions");
        return new SlowSink(connectorName, _redis.Create(connectorName, copy, loggerFactory), TimeSpan.FromTicks(micros * 10), stall);
    }
}
