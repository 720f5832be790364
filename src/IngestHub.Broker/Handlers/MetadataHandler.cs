using IngestHub.Broker.Cluster;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// Metadata (key 3): this broker (advertised host/port), the cluster id kept in meta.properties, this broker as
/// controller, and every partition led by this broker with replicas = ISR = [this broker], its leader epoch and
/// (v10+) the topic id. Requested topics that do not exist are auto-created when the request (v4+) and the broker
/// allow it; v10+ may name a topic by id alone. An empty topic list at v0 means every topic, as null does later.
/// </summary>
public sealed class MetadataHandler(TopicRegistry topics, BrokerIdentity identity) : ApiHandler<MetadataRequest, MetadataResponse>
{
    /// <summary>Cluster mode: every registered broker, the elected controller, and each partition's leader, replicas
    /// and ISR as the cluster publishes them.</summary>
    public IBrokerCluster? Cluster { get; init; }

    protected override ValueTask<MetadataResponse?> HandleAsync(RequestContext request, MetadataRequest message, CancellationToken cancellationToken)
    {
        var response = new MetadataResponse
        {
            ClusterId = identity.ClusterId,
            ControllerId = identity.NodeId,
        };
        // Each listener advertises its own endpoint, as Kafka does: a client stays on the listener it came in on.
        var advertised = request.Connection.Advertised;
        response.Brokers.Add(new MetadataResponse.Broker { NodeId = identity.NodeId, Host = advertised?.Host ?? identity.Host, Port = advertised?.Port ?? identity.Port });
        if (Cluster is not null)
        {
            response.ControllerId = Cluster.ControllerId;
            foreach (var broker in Cluster.Brokers)
                if (broker.NodeId != identity.NodeId)
                    response.Brokers.Add(new MetadataResponse.Broker { NodeId = broker.NodeId, Host = broker.Host, Port = broker.Port });
        }
        if (message.Topics is null || (request.ApiVersion == 0 && message.Topics.Count == 0))
        {
            var all = new List<TopicState>(topics.Topics);
            all.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            // A principal sees only the topics it may describe.
            foreach (var topic in all)
                if (request.IsAllowedQuietly(AclOperation.Describe, AclResourceType.Topic, topic.Name))
                    response.Topics.Add(Describe(topic, identity.NodeId, Cluster));
        }
        else
        {
            // Metadata v0–v3 always allowed auto-creation; v4+ lets the client say.
            bool allowAutoCreate = request.ApiVersion < 4 || message.AllowAutoTopicCreation;
            foreach (var wanted in message.Topics)
            {
                if (wanted.Name is null)
                {
                    bool known = topics.TryGetTopic(wanted.TopicId, out var byId);
                    response.Topics.Add(known && request.IsAllowedOnTopic(AclOperation.Describe, byId!.Name)
                        ? Describe(byId, identity.NodeId, Cluster)
                        : new MetadataResponse.Topic { Name = null, TopicId = wanted.TopicId, ErrorCode = known ? ErrorCode.TopicAuthorizationFailed : ErrorCode.UnknownTopicId });
                    continue;
                }
                if (!request.IsAllowedOnTopic(AclOperation.Describe, wanted.Name))
                {
                    response.Topics.Add(new MetadataResponse.Topic { Name = wanted.Name, ErrorCode = ErrorCode.TopicAuthorizationFailed });
                    continue;
                }
                // Auto-creation needs CREATE on the cluster or the topic, as CreateTopics does.
                bool mayCreate = allowAutoCreate && (topics.TryGetTopic(wanted.Name, out _) || request.MayCreateTopic(wanted.Name));
                var (topic, error) = topics.GetOrAutoCreate(wanted.Name, mayCreate);
                response.Topics.Add(topic is null
                    ? new MetadataResponse.Topic { Name = wanted.Name, ErrorCode = error }
                    : Describe(topic, identity.NodeId, Cluster));
            }
        }
        return ValueTask.FromResult<MetadataResponse?>(response);
    }

    private static MetadataResponse.Topic Describe(TopicState topic, int nodeId, IBrokerCluster? cluster)
    {
        var result = new MetadataResponse.Topic { Name = topic.Name, TopicId = topic.TopicId, IsInternal = TopicName.IsInternal(topic.Name) };
        foreach (var partition in topic.Partitions)
        {
            if (cluster is not null)
            {
                var replicas = cluster.Describe(topic.Name, partition.Index);
                result.Partitions.Add(new MetadataResponse.Partition
                {
                    PartitionIndex = partition.Index,
                    ErrorCode = replicas is { Leader: >= 0 } ? ErrorCode.None : ErrorCode.LeaderNotAvailable,
                    LeaderId = replicas?.Leader ?? -1,
                    LeaderEpoch = replicas?.LeaderEpoch ?? -1,
                    ReplicaNodes = [.. replicas?.Replicas ?? []],
                    IsrNodes = [.. replicas?.Isr ?? []],
                });
                continue;
            }
            result.Partitions.Add(new MetadataResponse.Partition
            {
                PartitionIndex = partition.Index,
                LeaderId = nodeId,
                LeaderEpoch = partition.LeaderEpoch,
                ReplicaNodes = [nodeId],
                IsrNodes = [nodeId],
            });
        }
        return result;
    }
}
