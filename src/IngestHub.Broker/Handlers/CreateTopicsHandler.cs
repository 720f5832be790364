using IngestHub.Broker.Cluster;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// CreateTopics (key 19). Partition count -1 means num.partitions; replication factor must be -1 or 1
/// on a single broker; a manual assignment is accepted when it names only this broker. Errors are Kafka's:
/// INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_REPLICA_ASSIGNMENT,
/// INVALID_CONFIG, TOPIC_ALREADY_EXISTS, and INVALID_REQUEST for a topic named twice in one request.
/// </summary>
public sealed class CreateTopicsHandler(TopicRegistry topics, BrokerOptions options) : ApiHandler<CreateTopicsRequest, CreateTopicsResponse>
{
    /// <summary>Cluster mode: topics are created in the cluster with their replication factor (manual assignments are
    /// not supported there).</summary>
    public IBrokerCluster? Cluster { get; init; }

    protected override async ValueTask<CreateTopicsResponse?> HandleAsync(RequestContext request, CreateTopicsRequest message, CancellationToken cancellationToken)
    {
        var response = new CreateTopicsResponse();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in message.Topics)
            seen[topic.Name] = seen.GetValueOrDefault(topic.Name) + 1;
        // CREATE on the cluster covers every topic; otherwise each topic needs its own CREATE.
        bool clusterCreate = request.IsAllowedOnClusterQuietly(Protocol.Acls.AclOperation.Create);
        foreach (var topic in message.Topics)
        {
            var result = new CreateTopicsResponse.TopicResult { Name = topic.Name };
            response.Topics.Add(result);
            if (seen[topic.Name] > 1)
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, "Create topics request from client contains a duplicate topic");
                continue;
            }
            if (!clusterCreate && !request.IsAllowedOnTopic(Protocol.Acls.AclOperation.Create, topic.Name))
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.TopicAuthorizationFailed, "Authorization failed.");
                continue;
            }
            int partitions = topic.NumPartitions;
            if (Cluster is not null)
            {
                await CreateInClusterAsync(Cluster, topic, message.ValidateOnly, result, cancellationToken);
                continue;
            }
            if (topic.Assignments.Count > 0)
            {
                if (topic.NumPartitions != -1 || topic.ReplicationFactor != -1)
                {
                    (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set.");
                    continue;
                }
                if (!AssignmentIsLocal(topic, options.NodeId))
                {
                    (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidReplicaAssignment, $"Replica assignments must name only broker {options.NodeId}, once per partition, with partitions 0..n-1.");
                    continue;
                }
                partitions = topic.Assignments.Count;
            }
            else if (partitions == -1)
            {
                partitions = options.NumPartitions;
            }
            if (topic.Assignments.Count == 0 && topic.ReplicationFactor is not (-1 or 1))
            {
                result.ErrorCode = ErrorCode.InvalidReplicationFactor;
                result.ErrorMessage = topic.ReplicationFactor <= 0
                    ? "Replication factor must be larger than 0, or -1 to use the default value."
                    : $"Replication factor: {topic.ReplicationFactor} larger than available brokers: 1.";
                continue;
            }
            var configs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var config in topic.Configs)
                configs[config.Name] = config.Value!;
            foreach (var config in topic.Configs)
            {
                if (config.Value is null)
                {
                    (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidConfig, $"Null value not supported for topic configs: {config.Name}");
                    break;
                }
            }
            if (result.ErrorCode != ErrorCode.None)
                continue;
            result.ErrorCode = topics.CreateTopic(topic.Name, partitions, configs, message.ValidateOnly, out var error);
            result.ErrorMessage = result.ErrorCode == ErrorCode.None ? null : error;
            if (result.ErrorCode == ErrorCode.None)
            {
                // v5+ tells the client what was created; v7+ its id.
                result.NumPartitions = partitions;
                result.ReplicationFactor = 1;
                result.Configs = [];
                foreach (var (name, value) in configs)
                    result.Configs.Add(new CreateTopicsResponse.Config { Name = name, Value = value, ConfigSource = 1 });
                if (topics.TryGetTopic(topic.Name, out var created))
                    result.TopicId = created.TopicId;
            }
        }
        return response;
    }

    private async Task CreateInClusterAsync(IBrokerCluster cluster, CreateTopicsRequest.Topic topic, bool validateOnly,
        CreateTopicsResponse.TopicResult result, CancellationToken cancellationToken)
    {
        if (topic.Assignments.Count > 0)
        {
            (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidReplicaAssignment, "Manual replica assignments are not supported by this cluster; give a replication factor.");
            return;
        }
        if (topic.Configs.Any(c => c.Value is null))
        {
            (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidConfig, "Null value not supported for topic configs.");
            return;
        }
        var configs = topic.Configs.ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal);
        int partitions = topic.NumPartitions == -1 ? options.NumPartitions : topic.NumPartitions;
        (result.ErrorCode, result.ErrorMessage) = await cluster.CreateTopicAsync(topic.Name, partitions, topic.ReplicationFactor, configs, validateOnly, cancellationToken);
        if (result.ErrorCode != ErrorCode.None)
            return;
        result.NumPartitions = partitions;
        result.ReplicationFactor = (short)(cluster.Describe(topic.Name, 0)?.Replicas.Count ?? topic.ReplicationFactor);
        result.Configs = [.. configs.Select(c => new CreateTopicsResponse.Config { Name = c.Key, Value = c.Value, ConfigSource = 1 })];
        if (topics.TryGetTopic(topic.Name, out var created))
            result.TopicId = created.TopicId;
    }

    private static bool AssignmentIsLocal(CreateTopicsRequest.Topic topic, int nodeId)
    {
        var indexes = new HashSet<int>();
        foreach (var assignment in topic.Assignments)
        {
            if (assignment.BrokerIds.Count != 1 || assignment.BrokerIds[0] != nodeId || !indexes.Add(assignment.PartitionIndex))
                return false;
        }
        for (int i = 0; i < topic.Assignments.Count; i++)
            if (!indexes.Contains(i))
                return false;
        return true;
    }
}
