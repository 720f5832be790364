using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>OffsetForLeaderEpoch (key 23): where a leader epoch ends on this broker, from the partition's epoch
/// table — the log end offset for the current epoch, the start of the next one for an earlier epoch, and
/// (-1, -1) for an epoch this broker never had. Consumers use it to detect a truncated log after a leader
/// change; a current leader epoch other than this broker's is FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH.</summary>
public sealed class OffsetForLeaderEpochHandler(TopicRegistry topics) : ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>
{
    protected override ValueTask<OffsetForLeaderEpochResponse?> HandleAsync(RequestContext request, OffsetForLeaderEpochRequest message, CancellationToken cancellationToken)
    {
        var response = new OffsetForLeaderEpochResponse();
        foreach (var topic in message.Topics)
        {
            var topicResult = new OffsetForLeaderEpochResponse.Topic { Name = topic.Name };
            response.Topics.Add(topicResult);
            // Consumers need DESCRIBE on the topic, followers (replica id 0 or more) CLUSTER_ACTION.
            bool allowed = message.ReplicaId >= 0
                ? request.IsAllowedOnCluster(Protocol.Acls.AclOperation.ClusterAction)
                : request.IsAllowedOnTopic(Protocol.Acls.AclOperation.Describe, topic.Name);
            foreach (var partition in topic.Partitions)
            {
                var result = new OffsetForLeaderEpochResponse.Partition { PartitionIndex = partition.PartitionIndex };
                topicResult.Partitions.Add(result);
                if (!allowed)
                {
                    result.ErrorCode = ErrorCode.TopicAuthorizationFailed;
                    continue;
                }
                var state = topics.Partition(topic.Name, partition.PartitionIndex);
                if (state is null)
                {
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                result.ErrorCode = LeaderEpochs.Check(partition.CurrentLeaderEpoch, state.LeaderEpoch);
                if (result.ErrorCode != ErrorCode.None)
                    continue;
                (result.LeaderEpoch, result.EndOffset) = state.Epochs.EndOffsetFor(partition.LeaderEpoch, state.Log.LogEndOffset);
            }
        }
        return ValueTask.FromResult<OffsetForLeaderEpochResponse?>(response);
    }
}
