using IngestHub.Broker.Logs;
using IngestHub.Protocol;

namespace IngestHub.Broker.Cluster;

/// <summary>A broker of the cluster as clients are told to reach it.</summary>
public sealed record ClusterBroker(int NodeId, string Host, int Port);

/// <summary>Where a group's coordinator is (FindCoordinator): an error (COORDINATOR_NOT_AVAILABLE while there is
/// none) or the broker's node id and address; <paramref name="Self"/> when it is the broker asked.</summary>
public sealed record GroupCoordinatorEndpoint(ErrorCode Error, int NodeId, string Host, int Port, bool Self);

/// <summary>Who holds a partition: its leader (-1 when none), leader epoch, replicas and in-sync replicas.</summary>
public sealed record PartitionReplicas(int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr);

/// <summary>
/// What a replicated broker asks of its cluster. Absent (null) in the single-process default, where this broker
/// leads every partition alone; present when the broker runs as one of several coordinated through a
/// coordination service. Handlers consult it for leadership, the in-sync replica set and the high watermark.
/// </summary>
public interface IBrokerCluster
{
    /// <summary>Joins the cluster once the broker's logs are open and its listeners bound.</summary>
    Task StartAsync(KafkaBroker broker, CancellationToken cancellationToken);

    /// <summary>Leaves the cluster (its registration goes at once, so partitions fail over without waiting).</summary>
    Task StopAsync();

    /// <summary>The elected controller (-1 while none is known).</summary>
    int ControllerId { get; }

    /// <summary>Every registered broker, by node id.</summary>
    IReadOnlyList<ClusterBroker> Brokers { get; }

    /// <summary>The partition's replicas as the cluster last published them; null when unknown.</summary>
    PartitionReplicas? Describe(string topic, int partition);

    /// <summary>Before appending: NOT_LEADER_OR_FOLLOWER on a broker that does not lead the partition, and for
    /// acks=all NOT_ENOUGH_REPLICAS when the in-sync replica set is smaller than <paramref name="minInsyncReplicas"/>.</summary>
    (ErrorCode Error, string? Message) CheckProduce(PartitionState partition, short acks, int minInsyncReplicas);

    /// <summary>After an append as leader (the high watermark may follow at once).</summary>
    void OnAppended(PartitionState partition);

    /// <summary>acks=all: completes once the high watermark has passed <paramref name="lastOffset"/>, with
    /// REQUEST_TIMED_OUT after <paramref name="timeoutMs"/> or NOT_LEADER_OR_FOLLOWER when leadership moves.</summary>
    Task<ErrorCode> WaitForReplicationAsync(PartitionState partition, long lastOffset, int timeoutMs, CancellationToken cancellationToken);

    /// <summary>A fetch of the partition: by a consumer (<paramref name="replicaId"/> &lt; 0) or by a follower, whose log
    /// end offset is <paramref name="fetchOffset"/>. NOT_LEADER_OR_FOLLOWER unless this broker leads it.</summary>
    ErrorCode OnFetch(PartitionState partition, int replicaId, long fetchOffset);

    /// <summary>FindCoordinator for a group: the leader of its <c>__consumer_offsets</c> partition (of
    /// <paramref name="partitions"/>), creating the replicated topic first when it does not exist yet.</summary>
    ValueTask<GroupCoordinatorEndpoint> FindGroupCoordinatorAsync(string groupId, int partitions, CancellationToken cancellationToken);

    /// <summary>Creates a topic in the cluster (and here); replication factor -1 means the default.</summary>
    Task<(ErrorCode Error, string? Message)> CreateTopicAsync(string name, int partitions, int replicationFactor,
        IReadOnlyDictionary<string, string> configs, bool validateOnly, CancellationToken cancellationToken);
}
