using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Pipelines.Configuration;
using IngestHub.Server.Topologies;
using IngestHub.Streams;
using IngestHub.Streams.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IngestHub.Server.Api;

/// <summary>
/// The topologies API: <c>GET/POST /api/topologies</c>, <c>GET/DELETE /api/topologies/{name}</c>,
/// <c>PUT /api/topologies/{name}/pause|resume|rebalance</c>, <c>POST /api/topologies/{name}/restart</c>. A
/// definition is posted as YAML (<c>application/yaml</c>) or the same document as JSON. Errors are
/// <c>{"error_code": n, "message": "..."}</c>; an invalid definition is a 400 whose message names the key.
/// </summary>
public static class TopologyEndpoints
{
    public static void MapTopologyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/topologies");
        group.MapGet("", (TopologiesHost host) => WithRegistry(host, r => Results.Json(new JsonArray([.. r.Entries.Select(Summary)]))));
        group.MapPost("", SubmitAsync);
        group.MapGet("/{name}", async (string name, TopologiesHost host, CancellationToken ct) =>
            host.Registry is not { } r ? NotReady() : r.Get(name) is { } entry ? Results.Json(await DetailAsync(r, entry, ct)) : NotFound(name));
        group.MapDelete("/{name}", async (string name, double? wait, TopologiesHost host, CancellationToken ct) =>
            host.Registry is not { } r ? NotReady()
            : await r.KillAsync(name, TimeSpan.FromSeconds(Math.Clamp(wait ?? 0, 0, 600)), ct) ? Results.NoContent() : NotFound(name));
        group.MapPut("/{name}/pause", (string name, TopologiesHost host) => Control(host, name, (r, n) => r.Pause(n)));
        group.MapPut("/{name}/resume", (string name, TopologiesHost host) => Control(host, name, (r, n) => r.Resume(n)));
        group.MapPut("/{name}/rebalance", RebalanceAsync);
        group.MapPost("/{name}/restart", async (string name, TopologiesHost host, CancellationToken ct) =>
            host.Registry is not { } r ? NotReady() : await r.RestartAsync(name, ct) ? Results.Json(await DetailAsync(r, r.Get(name)!, ct)) : NotFound(name));
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, TopologiesHost host, CancellationToken ct)
    {
        if (host.Registry is not { } registry)
            return NotReady();
        JsonObject document;
        try
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            string body = await reader.ReadToEndAsync(ct);
            string type = request.ContentType ?? "";
            document = type.Contains("json", StringComparison.OrdinalIgnoreCase)
                ? JsonNode.Parse(body) as JsonObject ?? throw new ConfigException("the body must be a topology definition object")
                : YamlJson.ParseObject(body);
        }
        catch (JsonException ex)
        {
            return Error(400, "the body is not valid JSON: " + ex.Message);
        }
        catch (ConfigException ex)
        {
            return Error(400, ex.Message);
        }
        try
        {
            var entry = await registry.SubmitAsync(document, ct);
            return Results.Json(await DetailAsync(registry, entry, ct), statusCode: 201);
        }
        catch (ConfigException ex)
        {
            return Error(400, ex.Message);
        }
        catch (InvalidTopologyException ex)
        {
            return Error(400, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            return Error(409, ex.Message);
        }
    }

    private static async Task<IResult> RebalanceAsync(string name, HttpRequest request, TopologiesHost host, CancellationToken ct)
    {
        if (host.Registry is not { } registry)
            return NotReady();
        if (registry.Get(name) is null)
            return NotFound(name);
        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }
        if (body?["executors"] is not JsonObject executors || executors.Count == 0)
            return Error(400, "the body must be {\"executors\": {\"<component>\": <count>, ...}}");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (component, node) in executors)
        {
            if (node is not JsonValue v || !v.TryGetValue(out int count))
                return Error(400, $"executors.{component}: must be an integer");
            counts[component] = count;
        }
        try
        {
            await registry.RebalanceAsync(name, counts, ct);
        }
        catch (ArgumentException ex)
        {
            return Error(400, ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            return Error(409, ex.Message);
        }
        return Results.Json(await DetailAsync(registry, registry.Get(name)!, ct));
    }

    private static IResult Control(TopologiesHost host, string name, Func<TopologyRegistry, string, bool> action)
    {
        if (host.Registry is not { } registry)
            return NotReady();
        if (registry.Get(name) is null)
            return NotFound(name);
        try
        {
            action(registry, name);
            return Results.Accepted();
        }
        catch (InvalidOperationException ex)
        {
            return Error(409, ex.Message);
        }
    }

    public static string StateName(TopologyEntry entry) =>
        entry.Running?.State.ToString().ToUpperInvariant() ?? (entry.Error is null ? "NOT_RUNNING" : "FAILED");

    public static JsonObject Summary(TopologyEntry entry)
    {
        var summary = new JsonObject
        {
            ["name"] = entry.Name,
            ["origin"] = entry.Origin.ToString().ToLowerInvariant(),
            ["state"] = StateName(entry),
            ["error"] = entry.Running?.Error ?? entry.Error,
        };
        if (entry.Running is { } running)
        {
            var s = running.Status();
            var components = s.Spouts.Concat(s.Bolts).ToList();
            summary["started_at"] = s.StartedAt.ToString("O");
            summary["uptime_seconds"] = Math.Round(s.Uptime.TotalSeconds);
            summary["spouts"] = s.Spouts.Count;
            summary["bolts"] = s.Bolts.Count;
            summary["executors"] = components.Sum(c => c.Executors);
            summary["tasks"] = components.Sum(c => c.Tasks);
            summary["emitted"] = components.Sum(c => c.Emitted);
            summary["acked"] = s.Spouts.Sum(c => c.Acked);
            summary["failed"] = s.Spouts.Sum(c => c.Failed);
            summary["acked_per_sec"] = Math.Round(s.Spouts.Sum(c => c.AckedPerSecond), 1);
            summary["complete_latency_ms"] = Math.Round(s.Spouts.Count == 0 ? 0 : s.Spouts.Max(c => c.CompleteLatencyMs), 3);
            summary["dead_lettered"] = s.DeadLettered;
        }
        return summary;
    }

    public static async Task<JsonObject> DetailAsync(TopologyRegistry registry, TopologyEntry entry, CancellationToken ct)
    {
        var detail = Summary(entry);
        detail["file"] = entry.File;
        if (entry.Running is { } running)
        {
            var s = running.Status();
            var lag = await registry.LagAsync(entry.Name, ct);
            detail["config"] = new JsonObject
            {
                ["topology.message.timeout.secs"] = s.MessageTimeoutSecs,
                ["topology.max.spout.pending"] = s.MaxSpoutPending,
                ["topology.acker.executors"] = s.Ackers,
                ["topology.dead.letter.topic"] = s.DeadLetterTopic,
            };
            detail["spouts"] = new JsonArray([.. s.Spouts.Select(c => Component(c, running.Definition.Find(c.Id), lag.GetValueOrDefault(c.Id)))]);
            detail["bolts"] = new JsonArray([.. s.Bolts.Select(c => Component(c, running.Definition.Find(c.Id), null))]);
            detail["acker"] = s.Acker is null ? null : Component(s.Acker, null, null);
        }
        if (entry.Source is { } source)
            detail["definition"] = source.DeepClone();
        return detail;
    }

    private static JsonObject Component(ComponentStatus c, Streams.Topology.ComponentDefinition? definition, IReadOnlyList<PartitionLag>? lag)
    {
        var json = new JsonObject
        {
            ["id"] = c.Id,
            ["type"] = c.Type,
            ["executors"] = c.Executors,
            ["tasks"] = c.Tasks,
            ["emitted"] = c.Emitted,
            ["transferred"] = c.Transferred,
            ["acked"] = c.Acked,
            ["failed"] = c.Failed,
            ["executed"] = c.Executed,
            ["emitted_per_sec"] = Math.Round(c.EmittedPerSecond, 1),
            ["acked_per_sec"] = Math.Round(c.AckedPerSecond, 1),
            ["failed_per_sec"] = Math.Round(c.FailedPerSecond, 1),
            ["executed_per_sec"] = Math.Round(c.ExecutedPerSecond, 1),
            ["execute_latency_ms"] = Math.Round(c.ExecuteLatencyMs, 3),
            ["process_latency_ms"] = Math.Round(c.ProcessLatencyMs, 3),
            ["complete_latency_ms"] = Math.Round(c.CompleteLatencyMs, 3),
            ["capacity"] = c.Capacity,
            ["pending"] = c.Pending,
            ["queued"] = c.Queued,
            ["errors"] = c.Errors,
            ["last_error"] = c.LastError,
            ["last_error_at"] = c.LastErrorAt?.ToString("O"),
            ["task_details"] = new JsonArray([.. c.TaskDetails.Select(t => (JsonNode)new JsonObject
            {
                ["task"] = t.TaskId,
                ["executor"] = t.Executor,
                ["emitted"] = t.Emitted,
                ["acked"] = t.Acked,
                ["failed"] = t.Failed,
                ["executed"] = t.Executed,
                ["pending"] = t.Pending,
                ["queued"] = t.Queued,
                ["last_error"] = t.LastError,
            })]),
        };
        if (definition is not null)
        {
            json["inputs"] = new JsonArray([.. definition.Inputs.Select(i => (JsonNode)new JsonObject
            {
                ["from"] = i.SourceComponent,
                ["stream"] = i.StreamId,
                ["grouping"] = i.Grouping.ToString(),
            })]);
        }
        if (lag is not null || c.Partitions.Count > 0)
        {
            var partitions = new JsonArray();
            var live = c.Partitions.ToDictionary(p => (p.Topic, p.Partition));
            foreach (var l in lag ?? [])
            {
                live.TryGetValue((l.Topic, l.Partition), out var p);
                partitions.Add(new JsonObject
                {
                    ["topic"] = l.Topic,
                    ["partition"] = l.Partition,
                    ["committed"] = l.CommittedOffset,
                    ["end_offset"] = l.EndOffset,
                    ["lag"] = l.Lag,
                    ["last_emitted"] = p?.LastEmitted,
                    ["pending"] = p?.Pending,
                    ["retrying"] = p?.Retrying,
                    ["dead_lettered"] = p?.DeadLettered,
                    ["paused"] = p?.Paused,
                });
            }
            json["partitions"] = partitions;
        }
        return json;
    }

    private static IResult WithRegistry(TopologiesHost host, Func<TopologyRegistry, IResult> action) =>
        host.Registry is { } registry ? action(registry) : NotReady();

    private static IResult NotFound(string name) => Error(404, $"Topology {name} not found");

    private static IResult NotReady() => Error(503, "topologies are starting");

    private static IResult Error(int code, string message) =>
        Results.Json(new JsonObject { ["error_code"] = code, ["message"] = message }, statusCode: code);
}
