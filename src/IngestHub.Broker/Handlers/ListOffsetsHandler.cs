using IngestHub.Broker.Cluster;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// ListOffsets (key 2): earliest (-2) = log start offset, latest (-1) = high watermark, otherwise the
/// first offset whose timestamp is at or after the given one, found through the time index (offset -1 when
/// no such record exists). Max timestamp (-3, v7+) is the offset of the record with the highest timestamp.
/// v0 answers with the old single-element offsets array. A current leader epoch other than this broker's is
/// answered FENCED_LEADER_EPOCH (older) or UNKNOWN_LEADER_EPOCH (newer), as a leader does.
/// </summary>
public sealed class ListOffsetsHandler(TopicRegistry topics) : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    /// <summary>Cluster mode: only the partition's leader answers (NOT_LEADER_OR_FOLLOWER elsewhere).</summary>
    public IBrokerCluster? Cluster { get; init; }

    protected override ValueTask<ListOffsetsResponse?> HandleAsync(RequestContext request, ListOffsetsRequest message, CancellationToken cancellationToken)
    {
        var response = new ListOffsetsResponse();
        foreach (var topic in message.Topics)
        {
            var topicResult = new ListOffsetsResponse.Topic { Name = topic.Name };
            response.Topics.Add(topicResult);
            bool allowed = request.IsAllowedOnTopic(AclOperation.Describe, topic.Name);
            foreach (var partition in topic.Partitions)
            {
                var result = new ListOffsetsResponse.Partition { PartitionIndex = partition.PartitionIndex };
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
                var epochError = LeaderEpochs.Check(partition.CurrentLeaderEpoch, state.LeaderEpoch);
                if (epochError == ErrorCode.None && Cluster is not null)
                    epochError = Cluster.OnFetch(state, -1, 0);
                if (epochError != ErrorCode.None)
                {
                    result.ErrorCode = epochError;
                    continue;
                }
                result.LeaderEpoch = state.LeaderEpoch;
                var log = state.Log;
                switch (partition.Timestamp)
                {
                    case ListOffsetsRequest.MaxTimestamp when request.ApiVersion >= 7:
                        // As Kafka: only offsets a consumer may fetch (below the high watermark) are answered.
                        if (log.LookupMaxTimestamp() is { } max && max.Offset < log.HighWatermark)
                        {
                            result.Offset = max.Offset;
                            result.Timestamp = max.Timestamp;
                        }
                        continue;
                    case ListOffsetsRequest.LatestTimestamp:
                        result.Offset = log.HighWatermark;
                        break;
                    case ListOffsetsRequest.EarliestTimestamp:
                        result.Offset = log.LogStartOffset;
                        break;
                    default:
                        if (partition.Timestamp < 0)
                        {
                            result.ErrorCode = ErrorCode.UnsupportedVersion;
                            continue;
                        }
                        var found = log.LookupOffsetByTimestamp(partition.Timestamp);
                        if (found is { } hit && hit.Offset < log.HighWatermark)
                        {
                            result.Offset = hit.Offset;
                            result.Timestamp = hit.Timestamp;
                        }
                        break;
                }
                if (request.ApiVersion == 0)
                {
                    if (result.Offset >= 0)
                        result.OldStyleOffsets.Add(result.Offset);
                }
                else if (partition.Timestamp < 0)
                {
                    result.Timestamp = -1;
                }
            }
        }
        return ValueTask.FromResult<ListOffsetsResponse?>(response);
    }
}
