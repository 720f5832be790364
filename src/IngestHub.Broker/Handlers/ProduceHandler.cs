using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// Produce (key 0). Each partition's batch is validated (size, magic, CRC-32C, counts), checked against
/// the idempotent producer's sequence, and appended as sent (compression untouched). acks=0 sends no response;
/// acks=1 answers after the append; acks=-1 answers after the append and, in fsync mode, after fsync.
/// </summary>
public sealed class ProduceHandler(TopicRegistry topics, BrokerOptions options, ILogger<ProduceHandler> logger, BrokerMetrics? metrics = null) : ApiHandler<ProduceRequest, ProduceResponse>
{
    protected override ValueTask<ProduceResponse?> HandleAsync(RequestContext request, ProduceRequest message, CancellationToken cancellationToken)
    {
        var response = new ProduceResponse();
        bool validAcks = message.Acks is -1 or 0 or 1;
        bool fsync = message.Acks == -1 && options.FsyncOnAcksAll;
        foreach (var topic in message.Topics)
        {
            var topicResult = new ProduceResponse.Topic { Name = topic.Name };
            response.Topics.Add(topicResult);
            TopicState? state = null;
            var topicError = ErrorCode.None;
            if (!validAcks)
                topicError = ErrorCode.InvalidRequiredAcks;
            else if (message.TransactionalId is not null)
                topicError = ErrorCode.TransactionalIdAuthorizationFailed;
            else
                (state, topicError) = topics.GetOrAutoCreate(topic.Name, allowAutoCreate: true);
            foreach (var partition in topic.Partitions)
            {
                var result = new ProduceResponse.Partition { PartitionIndex = partition.PartitionIndex };
                topicResult.Partitions.Add(result);
                if (topicError != ErrorCode.None)
                {
                    result.ErrorCode = topicError;
                    continue;
                }
                var target = state!.Partition(partition.PartitionIndex);
                if (target is null)
                {
                    result.ErrorCode = ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                if (message.Acks == -1 && state.MinInsyncReplicas > 1)
                {
                    // One broker is the whole in-sync replica set: acks=all cannot be met when more are required.
                    result.ErrorCode = ErrorCode.NotEnoughReplicas;
                    result.ErrorMessage = $"min.insync.replicas is {state.MinInsyncReplicas} but this broker is the only replica";
                    continue;
                }
                if (partition.Records is not MemoryRecordsPayload { Length: > 0 } payload)
                {
                    result.ErrorCode = ErrorCode.InvalidRecord;
                    result.ErrorMessage = "produce request carries no record batch for this partition";
                    continue;
                }
                var records = payload.Bytes;
                ProduceOutcome outcome;
                try
                {
                    outcome = target.Append(records, fsync);
                }
                catch (IOException ex)
                {
                    logger.LogError(ex, "Append to {Topic}-{Partition} failed", topic.Name, partition.PartitionIndex);
                    outcome = ProduceOutcome.Failed(ErrorCode.KafkaStorageError, ex.Message);
                }
                if (outcome.Error is ErrorCode.None)
                    metrics?.RecordProduced(topic.Name, records.Span);
                result.ErrorCode = outcome.Error;
                result.BaseOffset = outcome.BaseOffset;
                result.LogAppendTimeMs = outcome.LogAppendTime;
                result.LogStartOffset = outcome.LogStartOffset;
                result.ErrorMessage = outcome.Message;
                if (outcome.Error is not ErrorCode.None)
                    logger.LogDebug("Produce to {Topic}-{Partition} from {Client} rejected: {Error} {Message}", topic.Name, partition.PartitionIndex, request.ClientId, outcome.Error, outcome.Message);
            }
        }
        return ValueTask.FromResult(message.Acks == 0 ? null : response);
    }
}
