using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using IngestHub.Storage;

namespace IngestHub.Broker.Handlers;

/// <summary>
/// Fetch (key 1). Returns whole batches from the log (a fetch that starts inside a batch gets the whole
/// batch), bounded by each partition's max bytes and the request's max bytes, except that the first non-empty
/// partition always gets at least one batch (KIP-74). When fewer than min_bytes are available the request waits
/// up to max_wait_ms and wakes as soon as any requested partition grows. No transactions: the last stable offset
/// is the high watermark. Fetch sessions are not offered (session id 0). From v13 topics are named by id
/// (UNKNOWN_TOPIC_ID when no topic has it). A current leader epoch other than the partition's is refused as a
/// leader refuses it (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).
/// </summary>
public sealed class FetchHandler(TopicRegistry topics, BrokerMetrics? metrics = null) : ApiHandler
{
    public override ApiKey ApiKey => ApiKey.Fetch;
    public override short MinVersion => FetchRequest.MinVersion;
    public override short MaxVersion => FetchRequest.MaxVersion;

    public override async ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(request.Body);
        var message = FetchRequest.Read(ref reader, request.ApiVersion);
        var reads = new List<LogReadResult>();
        bool byId = request.ApiVersion >= 13;
        var signals = SignalsOf(message, byId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Math.Max(0, message.MaxWaitMs));
        try
        {
            while (true)
            {
                // Take the wake-up tasks before reading, so an append between the read and the wait is not missed.
                var appended = new Task[signals.Count];
                for (int i = 0; i < appended.Length; i++)
                    appended[i] = signals[i].NextAppend;
                Release(reads);
                var answer = Collect(message, byId, reads, out int bytes);
                if (bytes >= message.MinBytes || appended.Length == 0 || timeout.IsCancellationRequested)
                {
                    answer.Write(response, request.ApiVersion);
                    RecordFetched(answer);
                    return true;
                }
                try
                {
                    await Task.WhenAny(appended).WaitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // max_wait_ms elapsed: the next pass answers with whatever is there
                }
            }
        }
        finally
        {
            Release(reads);
        }
    }

    private void RecordFetched(FetchResponse answer)
    {
        if (metrics is null)
            return;
        foreach (var topic in answer.Topics)
            foreach (var partition in topic.Partitions)
                if (partition.Records is LogRecordsPayload { Length: > 0 } payload)
                    metrics.RecordFetched(topic.Name, payload.RecordCount, payload.Length);
    }

    private TopicState? Resolve(FetchRequest.Topic topic, bool byId) =>
        (byId ? topics.TryGetTopic(topic.TopicId, out var state) : topics.TryGetTopic(topic.Name, out state)) ? state : null;

    private List<AppendSignal> SignalsOf(FetchRequest message, bool byId)
    {
        var signals = new List<AppendSignal>();
        foreach (var topic in message.Topics)
        {
            if (Resolve(topic, byId) is not { } state)
                continue;
            foreach (var partition in topic.Partitions)
                if (state.Partition(partition.PartitionIndex) is { } target)
                    signals.Add(target.Signal);
        }
        return signals;
    }

    private static void Release(List<LogReadResult> reads)
    {
        foreach (var read in reads)
            read.Dispose();
        reads.Clear();
    }

    private FetchResponse Collect(FetchRequest message, bool byId, List<LogReadResult> reads, out int totalBytes)
    {
        var response = new FetchResponse();
        totalBytes = 0;
        int remaining = message.MaxBytes <= 0 ? int.MaxValue : message.MaxBytes;
        foreach (var topic in message.Topics)
        {
            var state = Resolve(topic, byId);
            var topicResult = new FetchResponse.Topic { Name = state?.Name ?? topic.Name, TopicId = topic.TopicId };
            response.Topics.Add(topicResult);
            foreach (var partition in topic.Partitions)
            {
                var result = new FetchResponse.Partition { PartitionIndex = partition.PartitionIndex, AbortedTransactions = null };
                topicResult.Partitions.Add(result);
                var target = state?.Partition(partition.PartitionIndex);
                if (target is null)
                {
                    result.ErrorCode = state is null && byId ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition;
                    result.HighWatermark = -1;
                    continue;
                }
                var epochError = LeaderEpochs.Check(partition.CurrentLeaderEpoch, target.LeaderEpoch);
                if (epochError != ErrorCode.None)
                {
                    result.ErrorCode = epochError;
                    result.HighWatermark = -1;
                    continue;
                }
                var log = target.Log;
                int limit = Math.Min(partition.PartitionMaxBytes, remaining);
                bool minOneBatch = totalBytes == 0;
                LogReadResult read;
                if (limit <= 0 && !minOneBatch)
                {
                    result.HighWatermark = log.HighWatermark;
                    result.LastStableOffset = result.HighWatermark;
                    result.LogStartOffset = log.LogStartOffset;
                    result.Records = new MemoryRecordsPayload(ReadOnlyMemory<byte>.Empty);
                    continue;
                }
                read = log.Read(partition.FetchOffset, Math.Max(limit, 0), minOneBatch);
                reads.Add(read);
                result.ErrorCode = read.Error;
                result.HighWatermark = read.HighWatermark;
                result.LastStableOffset = read.HighWatermark;
                result.LogStartOffset = read.LogStartOffset;
                result.Records = read.Error == ErrorCode.None ? new LogRecordsPayload(read) : new MemoryRecordsPayload(ReadOnlyMemory<byte>.Empty);
                totalBytes += read.Length;
                remaining = Math.Max(0, remaining - read.Length);
            }
        }
        return response;
    }
}
