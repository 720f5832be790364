using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines;
using IngestHub.Pipelines.Configuration;
using IngestHub.Server.Pipelines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IngestHub.Server.Api;

/// <summary>
/// Trying a connector before (or without) running it: <c>POST /connectors/{name}/test</c> checks the configuration,
/// the source topics and the sink's connection (the stored configuration, or the one in the body, which need not
/// be saved); <c>POST /api/pipelines/preview</c> runs a codec and filter chain over pasted lines or the last records
/// of a topic and answers each event after every filter. Neither consumes from a group nor writes to a sink.
/// </summary>
public static class ConnectorTrialEndpoints
{
    private const int MaxPreviewRecords = 50;

    public static void MapConnectorTrialEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/connectors/{name}/test", TestAsync);
        app.MapPost("/api/pipelines/preview", PreviewAsync);
    }

    private static async Task<IResult> TestAsync(string name, HttpRequest request, PipelinesHost host, ConnectorConnectionTest test, CancellationToken ct)
    {
        if (host.Registry is not { } registry)
            return Error(503, "connectors are starting");
        var stored = registry.GetConfig(name);
        JsonObject? config = stored;
        if (request.ContentLength is null or > 0)
        {
            var body = await ReadObjectAsync(request, ct);
            if (body is JsonObject given && given.Count > 0)
                config = ConfigSecrets.RestoreMasked(given["config"] as JsonObject ?? given, stored);
            else if (body is null && request.ContentLength > 0)
                return Error(400, "request body must be empty or the connector's configuration as a JSON object");
        }
        if (config is null)
            return Error(404, $"Connector {name} not found (send its configuration to test one that is not saved)");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var (checks, validation) = await test.RunAsync(name, config, host.Client, timeout.Token);
        var json = new JsonObject
        {
            ["name"] = name,
            ["ok"] = checks.All(c => c.Ok),
            ["checks"] = new JsonArray([.. checks.Select(c => (JsonNode)new JsonObject { ["check"] = c.Check, ["ok"] = c.Ok, ["message"] = c.Message })]),
        };
        if (validation is not null)
            json["validation"] = ConnectorPluginEndpoints.ValidationJson(validation);
        return Results.Json(json);
    }

    private static async Task<IResult> PreviewAsync(HttpRequest request, PipelinesHost host, CancellationToken ct)
    {
        var body = await ReadObjectAsync(request, ct);
        if (body is null)
            return Error(400, "request body must be {\"codec\": ..., \"filters\": [...], \"lines\": [...]} or with \"topic\" and \"count\"");
        var config = body["config"] as JsonObject ?? body;
        var samples = new List<PipelinePreview.Sample>();
        try
        {
            if (body["lines"] is JsonArray lines)
            {
                foreach (var line in lines)
                    samples.Add(new PipelinePreview.Sample(line is JsonValue v && v.TryGetValue(out string? s) ? s : line?.ToJsonString() ?? ""));
            }
            else if (body["topic"] is JsonValue topicNode && topicNode.TryGetValue(out string? topic))
            {
                if (host.Client is null)
                    return Error(503, "connectors are starting");
                int count = body["count"] is JsonValue c && c.TryGetValue(out int n) ? Math.Clamp(n, 1, MaxPreviewRecords) : 10;
                samples.AddRange(await TopicSample.LastAsync(host.Client, topic, count, ct));
            }
            else
            {
                return Error(400, "lines: give the sample lines (or topic and count to read the last records of a topic)");
            }
            return Results.Json(PipelinePreview.Run(config, samples));
        }
        catch (ConfigException ex)
        {
            return Error(400, ex.Message);
        }
        catch (KeyNotFoundException ex)
        {
            return Error(404, ex.Message);
        }
        catch (IngestHub.Client.KafkaException ex)
        {
            return Error(502, ex.Message);
        }
    }

    private static async Task<JsonObject?> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult Error(int code, string message) =>
        Results.Json(new JsonObject { ["error_code"] = code, ["message"] = message }, statusCode: code);
}
