using System.Text.Json.Nodes;
using IngestHub.Broker;
using IngestHub.Server.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace IngestHub.Server.Api;

/// <summary>
/// <c>GET /api/cluster</c>: the brokers (id, host, port), the controller, this broker's id, and per partition its
/// leader, leader epoch, replicas and in-sync replicas with the count of under-replicated partitions, as
/// <see cref="ClusterView"/> sees them (<c>mode</c> is <c>single</c> or <c>cluster</c>).
/// </summary>
public static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/cluster", (KafkaBroker broker) => Results.Json(Json(ClusterView.Of(broker))));

    public static JsonObject Json(ClusterView view)
    {
        var brokers = new JsonArray();
        foreach (var b in view.Brokers)
            brokers.Add(new JsonObject { ["id"] = b.NodeId, ["host"] = b.Host, ["port"] = b.Port, ["controller"] = b.NodeId == view.ControllerId });
        var partitions = new JsonArray();
        foreach (var p in view.Partitions)
        {
            partitions.Add(new JsonObject
            {
                ["topic"] = p.Topic,
                ["partition"] = p.Partition,
                ["leader"] = p.Leader,
                ["leader_epoch"] = p.LeaderEpoch,
                ["replicas"] = Ids(p.Replicas),
                ["isr"] = Ids(p.Isr),
                ["under_replicated"] = p.UnderReplicated,
            });
        }
        return new JsonObject
        {
            ["mode"] = view.Replicated ? "cluster" : "single",
            ["node_id"] = view.NodeId,
            ["controller_id"] = view.ControllerId,
            ["brokers"] = brokers,
            ["partition_count"] = view.Partitions.Count,
            ["under_replicated_partitions"] = view.UnderReplicatedCount,
            ["partitions"] = partitions,
        };
    }

    private static JsonArray Ids(IReadOnlyList<int> ids)
    {
        var array = new JsonArray();
        foreach (int id in ids)
            array.Add(id);
        return array;
    }
}
