using System.Text.Json.Nodes;
using IngestHub.Autoscaler;
using IngestHub.Server.Autoscaling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IngestHub.Server.Api;

/// <summary>
/// <c>GET /api/autoscaler</c> (every target: policy, desired and running workers, lag per partition with STALL
/// flags, hot partition, spill phase, recent decisions, timeline samples), <c>GET /api/autoscaler/{target}</c>, and
/// <c>POST /api/autoscaler/{target}/spill|unspill</c> for operators (202 accepted, 404 unknown target, 409 refused
/// with the reason).
/// </summary>
public static class AutoscalerEndpoints
{
    public static void MapAutoscalerEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/autoscaler");
        api.MapGet("", (AutoscalerHost host) => Results.Json(new JsonArray([.. (host.Service?.Targets ?? []).Select(t => (JsonNode)TargetJson(t))])));
        api.MapGet("/{target}", (string target, AutoscalerHost host) =>
            host.Service?.Find(target) is { } status ? Results.Json(TargetJson(status)) : NotFound(target));
        api.MapPost("/{target}/spill", (string target, AutoscalerHost host) => Answer(target, host.Service?.RequestSpill(target)));
        api.MapPost("/{target}/unspill", (string target, AutoscalerHost host) => Answer(target, host.Service?.RequestUnspill(target)));
    }

    private static IResult Answer(string target, SpillRequestResult? result) => result switch
    {
        null => Error(503, "the autoscaler is starting"),
        { Accepted: true } => Results.Json(new JsonObject { ["target"] = target, ["accepted"] = true }, statusCode: 202),
        { Refusal: null } => NotFound(target),
        { Refusal: { } refusal } => Error(409, refusal),
    };

    public static JsonObject TargetJson(TargetStatus t)
    {
        var partitions = new JsonArray();
        foreach (var p in t.Partitions)
            partitions.Add(new JsonObject
            {
                ["topic"] = p.Topic,
                ["partition"] = p.Partition,
                ["lag"] = p.Lag,
                ["committed_offset"] = p.CommittedOffset,
                ["status"] = p.Stalled ? "STALL" : "OK",
                ["still_for_ms"] = p.StillForMs,
                ["share"] = Math.Round(p.Share, 3),
            });
        var events = new JsonArray();
        foreach (var e in t.Events)
            events.Add(e.ToJson());
        var samples = new JsonArray();
        foreach (var s in t.Samples)
            samples.Add(new JsonArray(s.AtMs, s.SourceLag, s.SpillLag, s.Desired, s.Actual, s.SpillWorkers, SpillState.PhaseName(s.Phase)));
        JsonObject? spill = null;
        if (t.Spill is { Phase: not SpillPhase.Normal } state)
        {
            spill = state.ToJson();
            spill["workers"] = t.SpillWorkers;
            spill["desired_workers"] = t.SpillDesired;
            spill["lag"] = t.SpillLag;
            spill["pool_state"] = t.SpillPoolState;
        }
        var r = t.Recommendation;
        return new JsonObject
        {
            ["target"] = t.Name,
            ["kind"] = t.Kind,
            ["group"] = t.GroupId,
            ["topics"] = new JsonArray([.. t.Topics.Select(x => (JsonNode)x)]),
            ["policy"] = t.Policy?.ToJson(),
            ["status"] = t.Status,
            ["phase"] = SpillState.PhaseName(t.Phase),
            ["desired_workers"] = t.Desired,
            ["actual_workers"] = t.Actual,
            ["recommendation"] = r is null ? null : new JsonObject
            {
                ["workers"] = r.Workers,
                ["raw"] = r.Raw,
                ["total_lag"] = r.TotalLag,
                ["counted_lag"] = r.CountedLag,
                ["partitions_with_lag"] = r.PartitionsWithLag,
                ["active"] = r.Active,
                ["reason"] = r.Reason,
            },
            ["total_lag"] = t.TotalLag,
            ["partitions"] = partitions,
            ["hot_partition"] = t.HotPartition is { } hot ? new JsonObject { ["topic"] = hot.Topic, ["partition"] = hot.Partition, ["lag"] = hot.Lag, ["share"] = Math.Round(hot.Share, 3) } : null,
            ["spill"] = spill,
            ["last_evaluated"] = t.LastEvaluatedMs,
            ["last_error"] = t.LastError,
            ["decisions"] = events,
            ["samples"] = samples,
        };
    }

    private static IResult NotFound(string target) => Error(404, $"autoscaler target {target} not found (connectors with an autoscale section are targets)");

    private static IResult Error(int code, string message) =>
        Results.Json(new JsonObject { ["error_code"] = code, ["message"] = message }, statusCode: code);
}
