using System.Text.Json.Nodes;
using IngestHub.Monitoring;
using IngestHub.Server.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IngestHub.Server.Api;

/// <summary>
/// Burrow's HTTP API (v3) over the lag monitor, so tools written for Burrow (exporters, dashboards, alert scripts)
/// read IngestHub unchanged: <c>GET /burrow/admin</c>, <c>/v3/kafka</c>, <c>/v3/kafka/{cluster}</c>,
/// <c>/v3/kafka/{cluster}/consumer</c>, <c>/v3/kafka/{cluster}/consumer/{group}</c> and
/// <c>/v3/kafka/{cluster}/consumer/{group}/status|lag</c> with Burrow's field names and status words. The one cluster
/// is named by <c>monitoring:ClusterName</c>. A partition whose window is not yet full is OK there, as in Burrow, with
/// its <c>complete</c> fraction below 1; IngestHub's own API says INCOMPLETE.
/// </summary>
public static class BurrowEndpoints
{
    public static void MapBurrowEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/burrow/admin", () => Results.Text("GOOD"));
        var v3 = app.MapGroup("/v3/kafka");
        v3.MapGet("", (HttpRequest request, MonitoringHistory history) =>
            Answer(request, "cluster list returned", new JsonObject { ["clusters"] = new JsonArray(history.Options.ClusterName) }));
        v3.MapGet("/{cluster}", (string cluster, HttpRequest request, MonitoringHistory history, MonitoringSampler sampler) =>
            cluster != history.Options.ClusterName
                ? NotFound(request, "cluster not found")
                : Answer(request, "cluster module detail returned", new JsonObject
                {
                    ["module"] = new JsonObject
                    {
                        ["class-name"] = "kafka",
                        ["servers"] = new JsonArray([.. (sampler.Monitor?.BootstrapServers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => (JsonNode)s)]),
                        ["client-profile"] = new JsonObject { ["name"] = "ingesthub" },
                        ["topic-refresh"] = history.Options.SampleIntervalSeconds,
                        ["offset-refresh"] = history.Options.SampleIntervalSeconds,
                    },
                }));
        v3.MapGet("/{cluster}/consumer", (string cluster, HttpRequest request, MonitoringHistory history, MonitoringSampler sampler) =>
            cluster != history.Options.ClusterName
                ? NotFound(request, "cluster not found")
                : Answer(request, "consumer list returned",
                    new JsonObject { ["consumers"] = new JsonArray([.. (sampler.Monitor?.Groups ?? []).Select(g => (JsonNode)g.GroupId)]) }));
        v3.MapGet("/{cluster}/consumer/{group}", (string cluster, string group, HttpRequest request, MonitoringHistory history, MonitoringSampler sampler) =>
            Find(cluster, history, sampler, group) is not { } report
                ? NotFound(request, "cluster or consumer not found")
                : Answer(request, "consumer detail returned", new JsonObject { ["topics"] = Detail(report, history) }));
        v3.MapGet("/{cluster}/consumer/{group}/status", (string cluster, string group, HttpRequest request, MonitoringHistory history, MonitoringSampler sampler) =>
            Find(cluster, history, sampler, group) is not { } report
                ? NotFound(request, "cluster or consumer not found")
                : Answer(request, "consumer status returned", new JsonObject { ["status"] = Status(cluster, report, history, onlyBad: true) }));
        v3.MapGet("/{cluster}/consumer/{group}/lag", (string cluster, string group, HttpRequest request, MonitoringHistory history, MonitoringSampler sampler) =>
            Find(cluster, history, sampler, group) is not { } report
                ? NotFound(request, "cluster or consumer not found")
                : Answer(request, "consumer status returned", new JsonObject { ["status"] = Status(cluster, report, history, onlyBad: false) }));
    }

    private static GroupLagReport? Find(string cluster, MonitoringHistory history, MonitoringSampler sampler, string group) =>
        cluster == history.Options.ClusterName ? sampler.Monitor?.Find(group) : null;

    /// <summary>Burrow's group status: worst partition, the partitions (all, or only those not OK), the one with the
    /// most lag, total lag and the fraction of partitions with a full window.</summary>
    public static JsonObject Status(string cluster, GroupLagReport report, MonitoringHistory history, bool onlyBad)
    {
        var partitions = new JsonArray();
        foreach (var p in report.Partitions)
            if (!onlyBad || PartitionWord(p.Status) != "OK")
                partitions.Add(Partition(report, p, history));
        return new JsonObject
        {
            ["cluster"] = cluster,
            ["group"] = report.GroupId,
            ["status"] = GroupWord(report.Status),
            ["complete"] = report.Complete,
            ["partitions"] = partitions,
            ["partition_count"] = report.Partitions.Count,
            ["maxlag"] = report.MaxLag is { } max ? Partition(report, max, history) : null,
            ["totallag"] = report.TotalLag,
        };
    }

    private static JsonObject Partition(GroupLagReport report, PartitionLagReport p, MonitoringHistory history)
    {
        var window = history.FindGroup(report.GroupId)?.FindPartition(p.Topic, p.Partition)?.Commits.Snapshot() ?? [];
        int size = history.Options.WindowSize;
        return new JsonObject
        {
            ["topic"] = p.Topic,
            ["partition"] = p.Partition,
            ["owner"] = p.ClientHost ?? "",
            ["client_id"] = p.ClientId ?? "",
            ["status"] = PartitionWord(p.Status),
            ["start"] = window.Length > 0 ? Offset(window[0]) : null,
            ["end"] = window.Length > 0 ? Offset(window[^1]) : null,
            ["current_lag"] = p.Lag,
            ["complete"] = Math.Min(1.0, window.Length / (double)size),
        };
    }

    private static JsonObject Offset(CommitObservation commit) => new()
    {
        ["offset"] = commit.Offset,
        ["timestamp"] = commit.TimestampMs,
        ["observedAt"] = commit.TimestampMs,
        ["lag"] = commit.Lag,
    };

    /// <summary>Burrow's consumer detail: per topic, per partition, the window of commits and the current lag.</summary>
    private static JsonObject Detail(GroupLagReport report, MonitoringHistory history)
    {
        var topics = new JsonObject();
        foreach (var byTopic in report.Partitions.GroupBy(p => p.Topic, StringComparer.Ordinal))
        {
            var partitions = new JsonArray();
            foreach (var p in byTopic.OrderBy(p => p.Partition))
            {
                var window = history.FindGroup(report.GroupId)?.FindPartition(p.Topic, p.Partition)?.Commits.Snapshot() ?? [];
                partitions.Add(new JsonObject
                {
                    ["offsets"] = new JsonArray([.. window.Select(c => (JsonNode)Offset(c))]),
                    ["owner"] = p.ClientHost ?? "",
                    ["client_id"] = p.ClientId ?? "",
                    ["current-lag"] = p.Lag,
                });
            }
            topics[byTopic.Key] = partitions;
        }
        return topics;
    }

    /// <summary>Burrow's words: a partition not yet judged (window incomplete) is OK, WARNING is WARN.</summary>
    public static string PartitionWord(PartitionLagStatus status) => status switch
    {
        PartitionLagStatus.Ok or PartitionLagStatus.Incomplete => "OK",
        PartitionLagStatus.Warning => "WARN",
        _ => BurrowEvaluator.Name(status),
    };

    private static string GroupWord(GroupLagStatus status) => BurrowEvaluator.Name(status);

    private static IResult Answer(HttpRequest request, string message, JsonObject body)
    {
        var result = new JsonObject { ["error"] = false, ["message"] = message };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            result[key] = value;
        }
        result["request"] = RequestInfo(request);
        return Results.Json(result);
    }

    private static IResult NotFound(HttpRequest request, string message) =>
        Results.Json(new JsonObject { ["error"] = true, ["message"] = message, ["request"] = RequestInfo(request) }, statusCode: 404);

    private static JsonObject RequestInfo(HttpRequest request) => new()
    {
        ["url"] = request.Path.Value,
        ["host"] = Environment.MachineName,
    };
}
