using IngestHub.Broker;
using IngestHub.Broker.Cluster;

namespace IngestHub.Server.Monitoring;

/// <summary>One partition as the cluster holds it: leader (-1 when none), leader epoch, replicas and in-sync replicas.</summary>
public sealed record ClusterPartitionView(string Topic, int Partition, int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr)
{
    /// <summary>Fewer replicas in sync than assigned.</summary>
    public bool UnderReplicated => Isr.Count < Replicas.Count;

    /// <summary>The leader is the first assigned replica.</summary>
    public bool LeaderIsPreferred => Replicas.Count > 0 && Replicas[0] == Leader;
}

/// <summary>
/// The brokers, the controller and every partition's replicas as this broker sees them, for <c>/metrics</c>,
/// <c>/api/cluster</c> and the dashboard. In cluster mode it is the state published through the coordination service
/// (partitions the cluster has not published yet are left out); in the single-process default this broker is the only
/// broker, the controller, and the leader and only (in-sync) replica of every partition.
/// </summary>
public sealed record ClusterView(bool Replicated, int NodeId, int ControllerId, IReadOnlyList<ClusterBroker> Brokers, IReadOnlyList<ClusterPartitionView> Partitions)
{
    public int UnderReplicatedCount => Partitions.Count(p => p.UnderReplicated);

    public static ClusterView Of(KafkaBroker broker)
    {
        var identity = broker.Identity;
        var cluster = broker.Cluster;
        var topics = broker.Topics.Topics.OrderBy(t => t.Name, StringComparer.Ordinal);
        var partitions = new List<ClusterPartitionView>();
        if (cluster is null)
        {
            int[] self = [identity.NodeId];
            foreach (var topic in topics)
                foreach (var p in topic.Partitions)
                    partitions.Add(new ClusterPartitionView(topic.Name, p.Index, identity.NodeId, p.LeaderEpoch, self, self));
            return new ClusterView(false, identity.NodeId, identity.NodeId, [new ClusterBroker(identity.NodeId, identity.Host, identity.Port)], partitions);
        }
        foreach (var topic in topics)
            foreach (var p in topic.Partitions)
                if (cluster.Describe(topic.Name, p.Index) is { } replicas)
                    partitions.Add(new ClusterPartitionView(topic.Name, p.Index, replicas.Leader, replicas.LeaderEpoch, replicas.Replicas, replicas.Isr));
        var brokers = cluster.Brokers.OrderBy(b => b.NodeId).ToList();
        return new ClusterView(true, identity.NodeId, cluster.ControllerId, brokers, partitions);
    }
}
