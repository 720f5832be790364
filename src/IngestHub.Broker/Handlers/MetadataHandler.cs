using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
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
    protected override ValueTask<MetadataResponse?> HandleAsync(RequestContext request, MetadataRequest message, CancellationToken cancellationToken)
    {
        var response = new MetadataResponse
        {
            ClusterId = identity.ClusterId,
            ControllerId = identity.NodeId,
        };
        response.Brokers.Add(new MetadataResponse.Broker { NodeId = identity.NodeId, Host = identity.Host, Port = identity.Port });
        if (message.Topics is null || (request.ApiVersion == 0 && message.Topics.Count == 0))
        {
            var all = new List<TopicState>(topics.Topics);
            all.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (var topic in all)
                response.Topics.Add(Describe(topic, identity.NodeId));
        }
        else
        {
            // Metadata v0–v3 always allowed auto-creation; v4+ lets the client say.
            bool allowAutoCreate = request.ApiVersion < 4 || message.AllowAutoTopicCreation;
            foreach (var wanted in message.Topics)
            {
                if (wanted.Name is null)
                {
                    response.Topics.Add(topics.TryGetTopic(wanted.TopicId, out var byId)
                        ? Describe(byId, identity.NodeId)
                        : new MetadataResponse.Topic { Name = null, TopicId = wanted.TopicId, ErrorCode = ErrorCode.UnknownTopicId });
                    continue;
                }
                var (topic, error) = topics.GetOrAutoCreate(wanted.Name, allowAutoCreate);
                response.Topics.Add(topic is null
                    ? new MetadataResponse.Topic { Name = wanted.Name, ErrorCode = error }
                    : Describe(topic, identity.NodeId));
            }
        }
        return ValueTask.FromResult<MetadataResponse?>(response);
    }

    private static MetadataResponse.Topic Describe(TopicState topic, int nodeId)
    {
        var result = new MetadataResponse.Topic { Name = topic.Name, TopicId = topic.TopicId, IsInternal = TopicName.IsInternal(topic.Name) };
        foreach (var partition in topic.Partitions)
        {
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
