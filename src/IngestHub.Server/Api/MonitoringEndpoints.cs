using System.Text.Json.Nodes;
using IngestHub.Broker;
using IngestHub.Broker.Logs;
using IngestHub.Monitoring;
using IngestHub.Server.Monitoring;
using IngestHub.Server.Pipelines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace IngestHub.Server.Api;

/// <summary>
/// The dashboard's read API: <c>/api/overview</c>, <c>/api/topics</c>, <c>/api/groups</c>,
/// <c>/api/groups/{group}</c>, <c>/api/groups/{group}/lag?window=15m</c> and <c>/api/connectors</c>. Topics are read
/// live from the embedded broker's storage and connectors from the registry; groups, lag, lag status and history
/// come from the lag monitor's latest sample (read through the Kafka protocol).
/// </summary>
public static class MonitoringEndpoints
{
    private static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(15);

    public static void MapMonitoringEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/overview", (HttpRequest request, KafkaBroker broker, MonitoringHistory history, MonitoringSampler sampler, IServiceProvider services, TimeProvider time) =>
            WithWindow(request, window => Results.Json(Overview(broker, history, Reports(sampler), services.GetService<PipelinesHost>(), window, Now(time)))));
        api.MapGet("/topics", (KafkaBroker broker, MonitoringHistory history) => Results.Json(Topics(broker, history)));
        api.MapGet("/groups", (MonitoringSampler sampler) =>
        {
            var groups = new JsonArray();
            foreach (var group in Reports(sampler))
                groups.Add(GroupJson(group));
            return Results.Json(groups);
        });
        api.MapGet("/groups/{group}", (string group, MonitoringSampler sampler) =>
            sampler.Monitor?.Find(group) is { } report
                ? Results.Json(GroupJson(report))
                : Error(404, $"Group {group} not found"));
        api.MapGet("/groups/{group}/lag", (string group, HttpRequest request, MonitoringHistory history, MonitoringSampler sampler, TimeProvider time) =>
            WithWindow(request, window => history.FindGroup(group) is { } groupHistory && sampler.Monitor?.Find(group) is { } report
                ? Results.Json(LagHistory(groupHistory, report, history, window, Now(time)))
                : Error(404, $"Group {group} not found")));
        api.MapGet("/connectors", (IServiceProvider services, MonitoringHistory history) => Results.Json(Connectors(services.GetService<PipelinesHost>(), history)));
    }

    private static long Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static IReadOnlyList<GroupLagReport> Reports(MonitoringSampler sampler) => sampler.Monitor?.Groups ?? [];

    private static IResult WithWindow(HttpRequest request, Func<TimeSpan, IResult> action)
    {
        string? text = request.Query["window"];
        if (text is null)
            return action(DefaultWindow);
        return SampleWindow.TryParse(text, out var window)
            ? action(window)
            : Error(400, $"window: '{text}' is not a duration such as 30s, 15m or 1h");
    }

    private static JsonObject Overview(KafkaBroker broker, MonitoringHistory history, IReadOnlyList<GroupLagReport> groups, PipelinesHost? pipelines, TimeSpan window, long now)
    {
        var samples = history.Ingest.Snapshot();
        var series = new JsonArray();
        long from = now - (long)window.TotalMilliseconds;
        for (int i = 1; i < samples.Length; i++)
        {
            if (samples[i].TimestampMs < from)
                continue;
            var (recordRate, byteRate) = MonitoringHistory.Rate(samples.AsSpan(i - 1, 2));
            series.Add(new JsonArray(samples[i].TimestampMs, Math.Round(recordRate, 2), Math.Round(byteRate, 1)));
        }
        var lastMinute = samples.AsSpan(Math.Max(0, samples.Length - history.MinuteSamples));
        var (rps, bps) = MonitoringHistory.Rate(lastMinute);

        int partitions = 0;
        long size = 0, records = 0;
        foreach (var topic in broker.Topics.Topics)
        {
            foreach (var p in topic.Partitions)
            {
                partitions++;
                size += p.Log.Size;
                records += p.Log.LogEndOffset - p.Log.LogStartOffset;
            }
        }
        var byStatus = new JsonObject { ["OK"] = 0, ["WARN"] = 0, ["ERR"] = 0 };
        long totalLag = 0;
        foreach (var group in groups)
        {
            string name = BurrowEvaluator.Name(group.Status);
            byStatus[name] = byStatus[name]!.GetValue<int>() + 1;
            totalLag += group.TotalLag;
        }
        return new JsonObject
        {
            ["now"] = now,
            ["interval_seconds"] = history.Options.SampleIntervalSeconds,
            ["window_seconds"] = (long)window.TotalSeconds,
            ["broker"] = new JsonObject
            {
                ["node_id"] = broker.Identity.NodeId,
                ["cluster_id"] = broker.Identity.ClusterId,
                ["host"] = broker.AdvertisedHost,
                ["port"] = broker.AdvertisedPort,
                ["ready"] = broker.IsReady,
                ["storage"] = StorageJson(broker.Storage.Status),
            },
            ["ingest"] = new JsonObject
            {
                ["records_per_sec"] = Math.Round(rps, 2),
                ["bytes_per_sec"] = Math.Round(bps, 1),
                ["series"] = series,
            },
            ["totals"] = new JsonObject
            {
                ["topics"] = broker.Topics.Topics.Count,
                ["partitions"] = partitions,
                ["records"] = records,
                ["size_bytes"] = size,
                ["groups"] = groups.Count,
                ["groups_by_status"] = byStatus,
                ["total_lag"] = totalLag,
                ["connectors"] = pipelines?.Registry?.Names.Count ?? 0,
            },
        };
    }

    /// <summary>"ok", or "error" with the latest failed write, since when writes fail and how many failed.</summary>
    private static JsonObject StorageJson(StorageStatus status) => status.Error is null
        ? new JsonObject { ["status"] = "ok", ["failures_total"] = status.FailuresTotal }
        : new JsonObject
        {
            ["status"] = "error",
            ["error"] = status.Error,
            ["since"] = status.SinceMs,
            ["last_failure"] = status.LastFailureMs,
            ["failures"] = status.Failures,
            ["failures_total"] = status.FailuresTotal,
        };

    private static JsonArray Topics(KafkaBroker broker, MonitoringHistory history)
    {
        var result = new JsonArray();
        foreach (var topic in broker.Topics.Topics.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var partitions = new JsonArray();
            long size = 0, records = 0;
            foreach (var p in topic.Partitions)
            {
                var log = p.Log;
                long partitionSize = log.Size;
                size += partitionSize;
                records += log.LogEndOffset - log.LogStartOffset;
                partitions.Add(new JsonObject
                {
                    ["partition"] = p.Index,
                    ["log_start_offset"] = log.LogStartOffset,
                    ["log_end_offset"] = log.LogEndOffset,
                    ["high_watermark"] = log.HighWatermark,
                    ["size_bytes"] = partitionSize,
                    ["segments"] = log.SegmentCount,
                });
            }
            var (rps, bps) = MonitoringHistory.Rate(history.FindTopic(topic.Name)?.Snapshot(history.MinuteSamples) ?? []);
            result.Add(new JsonObject
            {
                ["name"] = topic.Name,
                ["topic_id"] = topic.TopicId.ToString(),
                ["internal"] = topic.Name.StartsWith("__", StringComparison.Ordinal),
                ["partition_count"] = topic.Partitions.Count,
                ["records"] = records,
                ["size_bytes"] = size,
                ["records_per_sec"] = Math.Round(rps, 2),
                ["bytes_per_sec"] = Math.Round(bps, 1),
                ["retention"] = Retention(topic),
                ["configs"] = new JsonObject([.. topic.Configs.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))]),
                ["partitions"] = partitions,
            });
        }
        return result;
    }

    private static JsonObject Retention(TopicState topic)
    {
        var config = topic.LogConfig;
        return new JsonObject
        {
            ["retention.ms"] = config.RetentionMs,
            ["retention.bytes"] = config.RetentionBytes,
            ["segment.bytes"] = config.SegmentBytes,
            ["segment.ms"] = config.SegmentMs,
            ["cleanup.policy"] = topic.Configs.TryGetValue("cleanup.policy", out var policy) ? policy : "delete",
        };
    }

    public static JsonObject GroupJson(GroupLagReport group)
    {
        var members = new JsonArray();
        foreach (var member in group.Members)
        {
            var assignments = new JsonArray();
            foreach (var p in member.Assignment)
                assignments.Add(new JsonObject { ["topic"] = p.Topic, ["partition"] = p.Partition });
            members.Add(new JsonObject
            {
                ["member_id"] = member.MemberId,
                ["group_instance_id"] = member.GroupInstanceId,
                ["client_id"] = member.ClientId,
                ["client_host"] = member.ClientHost,
                ["assignments"] = assignments,
            });
        }
        var partitions = new JsonArray();
        foreach (var p in group.Partitions)
        {
            partitions.Add(new JsonObject
            {
                ["topic"] = p.Topic,
                ["partition"] = p.Partition,
                ["member_id"] = p.MemberId,
                ["client_id"] = p.ClientId,
                ["client_host"] = p.ClientHost,
                ["committed_offset"] = p.CommittedOffset,
                ["log_start_offset"] = p.LogStartOffset,
                ["log_end_offset"] = p.LogEndOffset,
                ["lag"] = p.Lag,
                ["lag_seconds"] = Math.Round(p.TimeLag.Seconds, 3),
                ["lag_seconds_lower_bound"] = p.TimeLag.LowerBound,
                ["commit_timestamp"] = p.LastCommitObservedMs,
                ["status"] = BurrowEvaluator.Name(p.Status),
                ["reason"] = p.Reason,
                ["commits"] = p.Commits,
                ["window_complete"] = p.WindowComplete,
            });
        }
        var max = group.MaxLag;
        return new JsonObject
        {
            ["group"] = group.GroupId,
            ["state"] = group.State,
            ["protocol_type"] = group.ProtocolType,
            ["protocol"] = group.Protocol,
            ["status"] = BurrowEvaluator.Name(group.Status),
            ["total_lag"] = group.TotalLag,
            ["max_lag"] = max is null ? null : new JsonObject { ["topic"] = max.Topic, ["partition"] = max.Partition, ["lag"] = max.Lag },
            ["complete"] = Math.Round(group.Complete, 3),
            ["evaluated_at"] = group.EvaluatedAtMs,
            ["members"] = members,
            ["partitions"] = partitions,
        };
    }

    private static JsonObject LagHistory(GroupHistory group, GroupLagReport report, MonitoringHistory history, TimeSpan window, long now)
    {
        long from = now - (long)window.TotalMilliseconds;
        var total = new JsonArray();
        foreach (var (t, lag) in group.Total.Snapshot())
            if (t >= from)
                total.Add(new JsonArray(t, lag));
        var statuses = report.Partitions.ToDictionary(p => (p.Topic, p.Partition), p => p.Status);
        var partitions = new JsonArray();
        foreach (var ((topic, partition), ring) in group.Partitions.OrderBy(p => p.Key.Topic, StringComparer.Ordinal).ThenBy(p => p.Key.Partition))
        {
            var points = new JsonArray();
            foreach (var o in ring.Lag.Snapshot())
                if (o.TimestampMs >= from)
                    points.Add(new JsonArray(o.TimestampMs, o.Lag, o.Offset));
            partitions.Add(new JsonObject
            {
                ["topic"] = topic,
                ["partition"] = partition,
                ["status"] = BurrowEvaluator.Name(statuses.GetValueOrDefault((topic, partition))),
                ["points"] = points,
            });
        }
        return new JsonObject
        {
            ["group"] = group.Group,
            ["now"] = now,
            ["window_seconds"] = (long)window.TotalSeconds,
            ["interval_seconds"] = history.Options.SampleIntervalSeconds,
            ["total"] = total,
            ["partitions"] = partitions,
        };
    }

    private static JsonArray Connectors(PipelinesHost? pipelines, MonitoringHistory history)
    {
        var result = new JsonArray();
        if (pipelines?.Registry is not { } registry)
            return result;
        foreach (var connector in registry.All().OrderBy(c => c.Settings.Name, StringComparer.Ordinal))
        {
            var json = ConnectorEndpoints.StatusJson(connector);
            var samples = history.FindConnector(connector.Settings.Name)?.Snapshot(history.MinuteSamples) ?? [];
            var (inRate, outRate) = MonitoringHistory.Rate(samples);
            json["state"] = json["connector"]!["state"]!.DeepClone();
            json["last_error"] = json["connector"]!["trace"]?.DeepClone();
            json["dead_lettered"] = json["counters"]!["dead_lettered"]!.DeepClone();
            json["worker_count"] = connector.WorkerCount;
            json["topics"] = new JsonArray([.. connector.Settings.Topics.Select(t => (JsonNode)t)]);
            json["rates"] = new JsonObject
            {
                ["events_in_per_sec"] = Math.Round(inRate, 2),
                ["events_out_per_sec"] = Math.Round(outRate, 2),
            };
            result.Add(json);
        }
        return result;
    }

    private static IResult Error(int code, string message) =>
        Results.Json(new JsonObject { ["error_code"] = code, ["message"] = message }, statusCode: code);
}
