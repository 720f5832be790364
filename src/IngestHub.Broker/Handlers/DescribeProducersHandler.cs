using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Handlers;

/// <summary>DescribeProducers (key 61): the idempotent producers each partition remembers, with their epoch, last
/// sequence and last timestamp. There are no transactions, so no producer has an open transaction.</summary>
public sealed class DescribeProducersHandler(TopicRegistry topics) : ApiHandler<DescribeProducersRequest, DescribeProducersResponse>
{
    protected override ValueTask<DescribeProducersResponse?> HandleAsync(RequestContext request, DescribeProducersRequest message, CancellationToken cancellationToken)
    {
        var response = new DescribeProducersResponse();
        foreach (var topic in message.Topics)
        {
            var topicResult = new DescribeProducersResponse.Topic { Name = topic.Name };
            response.Topics.Add(topicResult);
            bool allowed = request.IsAllowedOnTopic(Protocol.Acls.AclOperation.Read, topic.Name);
            foreach (int index in topic.PartitionIndexes)
            {
                var result = new DescribeProducersResponse.Partition { PartitionIndex = index };
                topicResult.Partitions.Add(result);
                if (!allowed)
                {
                    result.ErrorCode = ErrorCode.TopicAuthorizationFailed;
                    continue;
                }
                var state = topics.Partition(topic.Name, index);
                if (state is null)
                {
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    result.ErrorMessage = $"{topic.Name}-{index} does not exist";
                    continue;
                }
                foreach (var producer in state.DescribeProducers())
                {
                    result.ActiveProducers.Add(new DescribeProducersResponse.Producer
                    {
                        ProducerId = producer.ProducerId,
                        ProducerEpoch = producer.Epoch,
                        LastSequence = producer.LastSequence,
                        LastTimestamp = producer.LastTimestamp,
                        CoordinatorEpoch = -1,
                    });
                }
            }
        }
        return ValueTask.FromResult<DescribeProducersResponse?>(response);
    }
}
