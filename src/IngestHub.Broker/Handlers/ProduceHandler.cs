using IngestHub.Broker.Cluster;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Broker.Network;
using IngestHub.Broker.Quotas;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// Produce (key 0). Each partition's batch is validated (size, magic, CRC-32C, counts), checked against
/// the idempotent producer's sequence, and appended as sent (compression untouched). acks=0 sends no response;
/// acks=1 answers after the append; acks=-1 answers after the append and, in fsync mode, after fsync.
/// <para>v0–v2 are advertised too, as Kafka brokers before 4.0 do: librdkafka up to 2.11.0 (Debian's kcat, rsyslog's
/// omkafka) compresses with gzip, snappy or lz4 only when the broker's Produce range starts at v0, and otherwise sends
/// those batches uncompressed. Such clients still send v3+ with record batches v2; a v0–v2 request carrying the old
/// message formats (magic 0 or 1) is answered UNSUPPORTED_FOR_MESSAGE_FORMAT per partition.</para>
/// </summary>
/// <para>Over its producer_byte_rate quota a client gets its response at once with throttle_time_ms, and its connection
/// reads nothing more for that long (KIP-219; before v6 the response itself is delayed).</para>
public sealed class ProduceHandler(TopicRegistry topics, BrokerOptions options, ILogger<ProduceHandler> logger, BrokerMetrics? metrics = null,
    ClientQuotas? quotas = null, StorageHealth? storage = null) : ApiHandler<ProduceRequest, ProduceResponse>
{
    /// <summary>Cluster mode: only the leader appends, and acks=all waits for the in-sync replicas.</summary>
    public IBrokerCluster? Cluster { get; init; }

    protected override async ValueTask<ProduceResponse?> HandleAsync(RequestContext request, ProduceRequest message, CancellationToken cancellationToken)
    {
        var replicated = new List<(ProduceResponse.Partition Result, PartitionState Partition, long LastOffset)>();
        var response = new ProduceResponse();
        if (quotas is not null)
        {
            int throttleMs = quotas.Record(QuotaType.Produce, ClientQuotas.UserOf(request.Connection.Principal), request.ClientId ?? "", request.Body.Length);
            if (throttleMs > 0)
            {
                response.ThrottleTimeMs = throttleMs;
                request.Connection.Throttle(throttleMs, afterResponse: request.ApiVersion >= 6);
                metrics?.RecordThrottled("produce", throttleMs);
            }
        }
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
            else if (!request.IsAllowedOnTopic(Protocol.Acls.AclOperation.Write, topic.Name))
                topicError = ErrorCode.TopicAuthorizationFailed;
            else if (TopicName.IsBrokerOwned(topic.Name))
                topicError = ErrorCode.InvalidTopicException; // as Kafka: "Cannot append to internal topic"
            else
                (state, topicError) = topics.GetOrAutoCreate(topic.Name, allowAutoCreate: topics.TryGetTopic(topic.Name, out _) || request.MayCreateTopic(topic.Name));
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
                if (Cluster is not null)
                {
                    (result.ErrorCode, result.ErrorMessage) = Cluster.CheckProduce(target, message.Acks, state.MinInsyncReplicas);
                    if (result.ErrorCode != ErrorCode.None)
                        continue;
                }
                else if (message.Acks == -1 && state.MinInsyncReplicas > 1)
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
                if (request.ApiVersion < 3 && (records.Length <= Protocol.Records.RecordBatchHeader.MagicOffset
                    || records.Span[Protocol.Records.RecordBatchHeader.MagicOffset] != Protocol.Records.RecordBatchHeader.CurrentMagic))
                {
                    result.ErrorCode = ErrorCode.UnsupportedForMessageFormat;
                    result.ErrorMessage = "message formats v0 and v1 (before Kafka 0.11) are not stored; use a client that sends record batches v2 (Produce v3+)";
                    continue;
                }
                ProduceOutcome outcome;
                try
                {
                    outcome = target.Append(records, fsync);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Nothing of the batch stays in the log (the append is undone); the producer may retry.
                    if (storage is null)
                        logger.LogWarning(ex, "Append to {Topic}-{Partition} failed", topic.Name, partition.PartitionIndex);
                    storage?.Failed($"append to {topic.Name}-{partition.PartitionIndex}", ex);
                    outcome = ProduceOutcome.Failed(ErrorCode.KafkaStorageError, "the broker cannot write its log: " + ex.Message);
                }
                if (outcome.Error is ErrorCode.None)
                {
                    storage?.Succeeded($"append to {topic.Name}-{partition.PartitionIndex}");
                    metrics?.RecordProduced(topic.Name, records.Span);
                }
                if (outcome.Error is ErrorCode.None && Cluster is not null)
                {
                    Cluster.OnAppended(target);
                    if (message.Acks == -1 && Protocol.Records.RecordBatchHeader.TryRead(records.Span, out var appended) == Protocol.Records.RecordBatchError.None)
                        replicated.Add((result, target, outcome.BaseOffset + appended.LastOffsetDelta));
                }
                result.ErrorCode = outcome.Error;
                result.BaseOffset = outcome.BaseOffset;
                result.LogAppendTimeMs = outcome.LogAppendTime;
                result.LogStartOffset = outcome.LogStartOffset;
                result.ErrorMessage = outcome.Message;
                if (outcome.Error is not ErrorCode.None)
                    logger.LogDebug("Produce to {Topic}-{Partition} from {Client} rejected: {Error} {Message}", topic.Name, partition.PartitionIndex, request.ClientId, outcome.Error, outcome.Message);
            }
        }
        foreach (var (result, partition, lastOffset) in replicated)
        {
            if (result.ErrorCode != ErrorCode.None)
                continue;
            var error = await Cluster!.WaitForReplicationAsync(partition, lastOffset, message.TimeoutMs, cancellationToken);
            if (error != ErrorCode.None)
                (result.ErrorCode, result.ErrorMessage) = (error, $"the in-sync replicas did not confirm offset {lastOffset} ({error})");
        }
        return message.Acks == 0 ? null : response;
    }
}
