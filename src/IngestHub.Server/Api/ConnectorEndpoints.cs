using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Runtime;
using IngestHub.Server.Pipelines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IngestHub.Server.Api;

/// <summary>
/// The Kafka Connect–shaped REST API for connectors: <c>GET/POST /connectors</c>,
/// <c>GET /connectors/{name}</c>, <c>GET|PUT /connectors/{name}/config</c>, <c>GET /connectors/{name}/status</c>,
/// <c>GET /connectors/{name}/topics</c>, <c>PUT /connectors/{name}/pause|resume</c>,
/// <c>POST /connectors/{name}/restart</c>, <c>DELETE /connectors/{name}</c>. Errors are Connect's
/// <c>{"error_code": n, "message": "..."}</c>; invalid configuration is a 400 whose message names the key.
/// Configurations are answered as stored (<c>${VAR}</c> references unexpanded) with literal secrets masked; a
/// masked value sent back keeps the stored secret.
/// </summary>
public static class ConnectorEndpoints
{
    public static void MapConnectorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/connectors");
        group.MapGet("", (PipelinesHost host) => WithRegistry(host, r => Results.Json(r.Names)));
        group.MapPost("", CreateAsync);
        group.MapGet("/{name}", (string name, PipelinesHost host) => WithRegistry(host, r =>
            r.GetConfig(name) is { } config ? Results.Json(Info(name, config)) : NotFound(name)));
        group.MapGet("/{name}/config", (string name, string? format, PipelinesHost host) => WithRegistry(host, r =>
            r.GetConfig(name) is not { } config ? NotFound(name)
            : format is "yaml" or "yml" ? Results.Text(PipelineFile(name, config), "application/yaml; charset=utf-8")
            : format is null or "json" ? Results.Json(ConfigSecrets.Mask(config))
            : Error(400, $"format must be json or yaml, not {format}")));
        group.MapPut("/{name}/config", PutConfigAsync);
        group.MapGet("/{name}/status", (string name, PipelinesHost host) => WithRegistry(host, r =>
            r.Get(name) is { } connector ? Results.Json(StatusJson(connector)) : NotFound(name)));
        group.MapGet("/{name}/topics", (string name, PipelinesHost host) => WithRegistry(host, r =>
            r.Get(name) is { } connector
                ? Results.Json(new JsonObject { [name] = new JsonObject { ["topics"] = new JsonArray([.. connector.Settings.Topics.Select(t => (JsonNode)t)]) } })
                : NotFound(name)));
        group.MapPut("/{name}/pause", (string name, PipelinesHost host) => WithRegistry(host, r =>
            r.Pause(name) ? Results.Accepted() : NotFound(name)));
        group.MapPut("/{name}/resume", (string name, PipelinesHost host) => WithRegistry(host, r =>
            r.Resume(name) ? Results.Accepted() : NotFound(name)));
        group.MapPost("/{name}/restart", async (string name, PipelinesHost host, CancellationToken ct) =>
            host.Registry is not { } r ? NotReady() : await r.RestartAsync(name, ct) ? Results.NoContent() : NotFound(name));
        group.MapDelete("/{name}", async (string name, PipelinesHost host, CancellationToken ct) =>
            host.Registry is not { } r ? NotReady() : await r.DeleteAsync(name, ct) ? Results.NoContent() : NotFound(name));
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, PipelinesHost host, CancellationToken ct)
    {
        if (host.Registry is not { } registry)
            return NotReady();
        var body = await ReadObjectAsync(request, ct);
        if (body is null)
            return Error(400, "request body must be a JSON object {\"name\": ..., \"config\": {...}}");
        if (body["name"] is not JsonValue nameNode || !nameNode.TryGetValue(out string? name) || string.IsNullOrEmpty(name))
            return Error(400, "name: is required");
        if (body["config"] is not JsonObject config)
            return Error(400, "config: is required and must be an object");
        try
        {
            if (!await registry.CreateAsync(name, ConfigSecrets.RestoreMasked(config, null), ct))
                return Error(409, $"Connector {name} already exists");
        }
        catch (ConfigException ex)
        {
            return Error(400, ex.Message);
        }
        return Results.Json(Info(name, registry.GetConfig(name)!), statusCode: 201);
    }

    private static async Task<IResult> PutConfigAsync(string name, HttpRequest request, PipelinesHost host, CancellationToken ct)
    {
        if (host.Registry is not { } registry)
            return NotReady();
        var config = await ReadObjectAsync(request, ct);
        if (config is null)
            return Error(400, "request body must be the connector's configuration as a JSON object");
        try
        {
            bool created = await registry.PutConfigAsync(name, ConfigSecrets.RestoreMasked(config, registry.GetConfig(name)), ct);
            return Results.Json(Info(name, registry.GetConfig(name)!), statusCode: created ? 201 : 200);
        }
        catch (ConfigException ex)
        {
            return Error(400, ex.Message);
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

    /// <summary>The configuration as a <c>pipelines/</c> file: the name first, secrets masked (a secret is better
    /// given as <c>${VAR}</c> in a file; a masked one must be filled in before the file is used).</summary>
    public static string PipelineFile(string name, JsonObject config)
    {
        var file = new JsonObject { ["name"] = name };
        foreach (var (key, value) in ConfigSecrets.Mask(config))
            if (key != "name")
                file[key] = value?.DeepClone();
        string header = $"# Connector {name}, exported from IngestHub. Save as pipelines/{name}.yaml.\n";
        if (ConfigSecrets.Mask(config).ToJsonString().Contains(ConfigSecrets.Hidden, StringComparison.Ordinal))
            header += $"# Secrets are shown as {ConfigSecrets.Hidden}: replace them (with ${{VAR}} references, for example) before use.\n";
        return header + YamlJson.Write(file);
    }

    private static JsonObject Info(string name, JsonObject config) => new()
    {
        ["name"] = name,
        ["config"] = ConfigSecrets.Mask(config),
        ["tasks"] = new JsonArray(),
        ["type"] = "sink",
    };

    public static JsonObject StatusJson(Connector connector)
    {
        var status = connector.Status();
        var workers = new JsonArray();
        foreach (var w in status.Workers)
        {
            workers.Add(new JsonObject
            {
                ["id"] = w.Id,
                ["state"] = StateName(w.State),
                ["worker_id"] = w.MemberId,
                ["partitions"] = new JsonArray([.. w.Partitions.Select(p => (JsonNode)p)]),
                ["trace"] = w.LastError,
            });
        }
        var deadLetters = new JsonArray();
        foreach (var d in connector.RecentDeadLetters())
        {
            deadLetters.Add(new JsonObject
            {
                ["topic"] = d.Topic,
                ["partition"] = d.Partition,
                ["offset"] = d.Offset,
                ["last_offset"] = d.LastOffset,
                ["stage"] = d.Stage,
                ["error_type"] = d.ErrorType,
                ["reason"] = d.Reason,
                ["at"] = d.At.ToString("O"),
            });
        }
        var c = status.Counters;
        return new JsonObject
        {
            ["name"] = status.Name,
            ["connector"] = new JsonObject
            {
                ["state"] = StateName(status.State),
                ["worker_id"] = Environment.MachineName,
                ["trace"] = status.LastError,
                ["last_error_at"] = status.LastErrorAt?.ToString("O"),
            },
            ["tasks"] = workers,
            ["type"] = "sink",
            ["mode"] = status.Mode.ToString().ToLowerInvariant(),
            ["dead_letter_topic"] = connector.Settings.DeadLetterTopic,
            ["counters"] = new JsonObject
            {
                ["events_in"] = c.EventsIn,
                ["events_out"] = c.EventsOut,
                ["filtered"] = c.Filtered,
                ["failed"] = c.Failed,
                ["dead_lettered"] = c.DeadLettered,
                ["batches"] = c.Batches,
                ["retries"] = c.Retries,
                ["relayed"] = c.Relayed,
                ["undecodable_batches"] = c.UndecodableBatches,
            },
            ["recent_dead_letters"] = deadLetters,
        };
    }

    public static string StateName(ConnectorState state) => state.ToString().ToUpperInvariant();

    private static IResult WithRegistry(PipelinesHost host, Func<ConnectorRegistry, IResult> action) =>
        host.Registry is { } registry ? action(registry) : NotReady();

    private static IResult NotFound(string name) => Error(404, $"Connector {name} not found");

    private static IResult NotReady() => Error(503, "connectors are starting");

    private static IResult Error(int code, string message) =>
        Results.Json(new JsonObject { ["error_code"] = code, ["message"] = message }, statusCode: code);
}
