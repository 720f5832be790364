using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DeleteRecords (key 21): moves each partition's log start offset up to the given offset (-1 = the high
/// watermark) and answers the new low watermark. An offset past the high watermark is OFFSET_OUT_OF_RANGE; a
/// lower one than the current start changes nothing.</summary>
public sealed class DeleteRecordsHandler(TopicRegistry topics) : ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse>
{
    private const long HighWatermark = -1;

    protected override ValueTask<DeleteRecordsResponse?> HandleAsync(RequestContext request, DeleteRecordsRequest message, CancellationToken cancellationToken)
    {
        var response = new DeleteRecordsResponse();
        foreach (var topic in message.Topics)
        {
            var topicResult = new DeleteRecordsResponse.Topic { Name = topic.Name };
            response.Topics.Add(topicResult);
            bool allowed = request.IsAllowedOnTopic(Protocol.Acls.AclOperation.Delete, topic.Name);
            foreach (var partition in topic.Partitions)
            {
                var result = new DeleteRecordsResponse.Partition { PartitionIndex = partition.PartitionIndex, LowWatermark = -1 };
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
                if (TopicName.IsBrokerOwned(topic.Name))
                {
                    result.ErrorCode = ErrorCode.InvalidTopicException; // as Kafka: records of an internal topic cannot be deleted
                    continue;
                }
                long offset = partition.Offset == HighWatermark ? state.Log.HighWatermark : partition.Offset;
                try
                {
                    result.ErrorCode = state.Log.DeleteRecordsBefore(offset);
                }
                catch (ObjectDisposedException)
                {
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                catch (IOException)
                {
                    result.ErrorCode = ErrorCode.KafkaStorageError;
                    continue;
                }
                result.LowWatermark = state.Log.LogStartOffset;
            }
        }
        return ValueTask.FromResult<DeleteRecordsResponse?>(response);
    }
}
