using System.Text.Json.Nodes;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Connectors.Redis;

/// <summary>Builds <see cref="RedisSink"/>s for outputs of type <c>redis</c>.</summary>
public sealed class RedisSinkFactory : ISinkFactory
{
    public string Type => "redis";

    public ISink Create(string connectorName, JsonObject settings, ILoggerFactory loggerFactory) =>
        new RedisSink(connectorName, RedisSinkSettings.Parse(connectorName, settings), loggerFactory.CreateLogger<RedisSink>());
}
