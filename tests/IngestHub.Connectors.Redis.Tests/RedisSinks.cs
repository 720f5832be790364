using System.Text.Json.Nodes;
using IngestHub.Pipelines.Events;
using IngestHub.Testing.Redis;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>Builds sinks the way the pipeline runtime does (settings parsed from JSON text) and sample events.</summary>
internal static class RedisSinks
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Settings pointing at the server (port, and TLS trusting its CA when it has one).</summary>
    public static JsonObject For(RedisServer server, JsonObject settings)
    {
        if (!settings.ContainsKey("configuration"))
            settings["port"] = server.Port;
        if (server.Certificates is { } certificates && !settings.ContainsKey("tls"))
        {
            settings["tls"] = true;
            settings["tls.ca.file"] = certificates.CaFile;
        }
        return settings;
    }

    public static RedisSink Create(JsonObject settings, string name = "test-connector") =>
        (RedisSink)new RedisSinkFactory().Create(name, AsParsed(settings), NullLoggerFactory.Instance);

    public static async Task<RedisSink> StartAsync(RedisServer server, JsonObject settings, string name = "test-connector")
    {
        var sink = Create(For(server, settings), name);
        await sink.StartAsync(Ct);
        return sink;
    }

    // Settings reach a sink parsed from YAML/JSON text; round-trip so values have that shape.
    public static JsonObject AsParsed(JsonObject settings) => JsonNode.Parse(settings.ToJsonString())!.AsObject();

    public static LogEvent Event(int offset, string message, string? service = "api")
    {
        var fields = new JsonObject
        {
            ["@timestamp"] = "2026-03-04T05:06:07.000Z",
            ["id"] = "id-" + offset,
            ["message"] = message,
            ["status"] = 200,
            ["timing"] = new JsonObject { ["ms"] = 12.5 },
        };
        if (service is not null)
            fields["service"] = service;
        var metadata = new JsonObject { ["kafka"] = new JsonObject { ["topic"] = "logs", ["partition"] = 0, ["offset"] = offset } };
        return new LogEvent(fields, metadata) { Source = new SourcePosition("logs", 0, offset) };
    }
}
