using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// Metadata (key 3) v0–v8: this broker (advertised host/port), the cluster id kept in meta.properties, this
/// broker as controller, and every partition led by this broker with replicas = ISR = [this broker]. Requested
/// topics that do not exist are auto-created when the request (v4+) and the broker allow it. Leader epochs are
/// reported as -1 (unknown), which tells clients to skip epoch validation.
/// </summary>
public sealed class MetadataHandler(TopicRegistry topics, BrokerIdentity identity) : ApiHandler<MetadataRequest, MetadataResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 8;

    protected override ValueTask<MetadataResponse?> HandleAsync(RequestContext request, MetadataRequest message, CancellationToken cancellationToken)
    {
        var response = new MetadataResponse
        {
            ClusterId = identity.ClusterId,
            ControllerId = identity.NodeId,
        };
        response.Brokers.Add(new MetadataResponse.Broker { NodeId = identity.NodeId, Host = identity.Host, Port = identity.Port });
        if (message.Topics is null)
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
            foreach (var name in message.Topics)
            {
                var (topic, error) = topics.GetOrAutoCreate(name, allowAutoCreate);
                response.Topics.Add(topic is null
                    ? new MetadataResponse.Topic { Name = name, ErrorCode = error }
                    : Describe(topic, identity.NodeId));
            }
        }
        return ValueTask.FromResult<MetadataResponse?>(response);
    }

    private static MetadataResponse.Topic Describe(TopicState topic, int nodeId)
    {
        var result = new MetadataResponse.Topic { Name = topic.Name, IsInternal = TopicName.IsInternal(topic.Name) };
        foreach (var partition in topic.Partitions)
        {
            result.Partitions.Add(new MetadataResponse.Partition
            {
                PartitionIndex = partition.Index,
                LeaderId = nodeId,
                LeaderEpoch = -1,
                ReplicaNodes = [nodeId],
                IsrNodes = [nodeId],
            });
        }
        return result;
    }
}
