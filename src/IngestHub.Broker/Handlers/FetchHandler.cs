using IngestHub.Broker.Cluster;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Network;
using IngestHub.Broker.Quotas;
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
/// leader refuses it (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH). From v12 a fetch that names the epoch of its
/// last fetched batch is checked against the partition's epoch table and answered diverging_epoch when its log
/// went past where that epoch ends here (<see cref="Divergence"/>).
/// <para>A consumer over its consumer_byte_rate quota (KIP-219): while it owes bytes, a Fetch is answered at once and
/// empty with the throttle time; otherwise the response's record bytes are counted and the throttle time they cause
/// is reported with them. Either way the connection then reads nothing more for that long (from v8; older versions
/// get the response itself delayed).</para>
/// </summary>
public sealed class FetchHandler(TopicRegistry topics, BrokerMetrics? metrics = null, ClientQuotas? quotas = null) : ApiHandler
{
    /// <summary>Cluster mode: only the leader serves fetches; a follower's fetch (replica id &gt;= 0) reports its log end
    /// offset and reads to the log end, consumers read below the high watermark.</summary>
    public IBrokerCluster? Cluster { get; init; }

    public override ApiKey ApiKey => ApiKey.Fetch;
    public override short MinVersion => FetchRequest.MinVersion;
    public override short MaxVersion => FetchRequest.MaxVersion;

    public override async ValueTask<bool> HandleAsync(RequestContext request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var reader = new KafkaReader(request.Body);
        var message = FetchRequest.Read(ref reader, request.ApiVersion);
        string user = ClientQuotas.UserOf(request.Connection.Principal);
        string clientId = request.ClientId ?? "";
        if (quotas is not null && quotas.Pending(QuotaType.Fetch, user, clientId) is > 0 and int owed)
        {
            Throttle(request, owed);
            new FetchResponse { ThrottleTimeMs = owed }.Write(response, request.ApiVersion);
            return true;
        }
        var reads = new List<LogReadResult>();
        bool byId = request.ApiVersion >= 13;
        var denied = DeniedTopics(request, message, byId);
        var signals = SignalsOf(message, byId, denied);
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
                var answer = Collect(message, byId, denied, reads, out int bytes, out bool diverged);
                if (bytes >= message.MinBytes || diverged || appended.Length == 0 || timeout.IsCancellationRequested)
                {
                    if (quotas is not null && bytes > 0 && quotas.Record(QuotaType.Fetch, user, clientId, bytes) is > 0 and int throttleMs)
                    {
                        answer.ThrottleTimeMs = throttleMs;
                        Throttle(request, throttleMs);
                    }
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

    private void Throttle(RequestContext request, int throttleMs)
    {
        request.Connection.Throttle(throttleMs, afterResponse: request.ApiVersion >= 8);
        metrics?.RecordThrottled("fetch", throttleMs);
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

    /// <summary>The topics this request may not read: a consumer needs READ on each topic, a follower (replica id
    /// 0 or more) CLUSTER_ACTION on the cluster. Decided once per request, not on every wake-up.</summary>
    private HashSet<string> DeniedTopics(RequestContext request, FetchRequest message, bool byId)
    {
        var denied = new HashSet<string>(StringComparer.Ordinal);
        if (!request.Authorizer.Enabled)
            return denied;
        int replicaId = request.ApiVersion >= 15 ? message.ReplicaState?.ReplicaId ?? -1 : message.ReplicaId;
        bool follower = replicaId >= 0;
        bool clusterAction = follower && request.IsAllowedOnCluster(Protocol.Acls.AclOperation.ClusterAction);
        foreach (var topic in message.Topics)
        {
            string? name = Resolve(topic, byId)?.Name ?? (byId ? null : topic.Name);
            if (name is not null && !denied.Contains(name) && (follower ? !clusterAction : !request.IsAllowedOnTopic(Protocol.Acls.AclOperation.Read, name)))
                denied.Add(name);
        }
        return denied;
    }

    private List<AppendSignal> SignalsOf(FetchRequest message, bool byId, HashSet<string> denied)
    {
        var signals = new List<AppendSignal>();
        foreach (var topic in message.Topics)
        {
            if (Resolve(topic, byId) is not { } state || denied.Contains(state.Name))
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

    /// <summary>
    /// The check Kafka makes of a fetch that names the epoch of the last batch the fetcher holds (Fetch v12+,
    /// last_fetched_epoch ≥ 0; followers send it, consumers do not): where that epoch ends here is looked up in the
    /// partition's epoch table. An epoch this log cannot place, or a fetch offset below the log start, is
    /// OFFSET_OUT_OF_RANGE. When the epoch ends before the fetch offset, or this log knows only an earlier epoch at
    /// that point, the fetcher's log diverged: the answer is no records and diverging_epoch = the epoch and end offset
    /// to truncate to (KIP-595). Otherwise nothing is returned and the fetch proceeds.
    /// </summary>
    private static (ErrorCode Error, FetchResponse.EpochEndOffset? Diverging) Divergence(PartitionState target, FetchRequest.Partition partition)
    {
        if (partition.LastFetchedEpoch < 0)
            return (ErrorCode.None, null);
        var log = target.Log;
        var (epoch, endOffset) = target.Epochs.EndOffsetFor(partition.LastFetchedEpoch, log.LogEndOffset);
        if (epoch < 0 || endOffset < 0 || partition.FetchOffset < log.LogStartOffset)
            return (ErrorCode.OffsetOutOfRange, null);
        if (epoch < partition.LastFetchedEpoch || endOffset < partition.FetchOffset)
            return (ErrorCode.None, new FetchResponse.EpochEndOffset { Epoch = epoch, EndOffset = endOffset });
        return (ErrorCode.None, null);
    }

    private FetchResponse Collect(FetchRequest message, bool byId, HashSet<string> denied, List<LogReadResult> reads, out int totalBytes, out bool diverged)
    {
        var response = new FetchResponse();
        totalBytes = 0;
        diverged = false;
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
                if (denied.Contains(topicResult.Name ?? ""))
                {
                    result.ErrorCode = ErrorCode.TopicAuthorizationFailed;
                    result.HighWatermark = -1;
                    continue;
                }
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
                int replicaId = message.ReplicaState?.ReplicaId is >= 0 ? message.ReplicaState.ReplicaId : message.ReplicaId;
                var (divergenceError, diverging) = Divergence(target, partition);
                // A follower whose log diverged is not at the fetch offset it names: leadership is checked, its progress not recorded.
                int recordedReplica = divergenceError == ErrorCode.None && diverging is null ? replicaId : -1;
                if (Cluster is not null && Cluster.OnFetch(target, recordedReplica, partition.FetchOffset) is var clusterError and not ErrorCode.None)
                {
                    result.ErrorCode = clusterError;
                    result.HighWatermark = -1;
                    continue;
                }
                if (divergenceError != ErrorCode.None || diverging is not null)
                {
                    result.ErrorCode = divergenceError;
                    result.DivergingEpoch = diverging;
                    diverged = true; // answered at once, as Kafka does, so the fetcher truncates without waiting out max_wait_ms
                    result.HighWatermark = target.Log.HighWatermark;
                    result.LastStableOffset = result.HighWatermark;
                    result.LogStartOffset = target.Log.LogStartOffset;
                    result.Records = new MemoryRecordsPayload(ReadOnlyMemory<byte>.Empty);
                    continue;
                }
                bool asReplica = Cluster is not null && replicaId >= 0;
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
                read = asReplica ? log.ReadAsReplica(partition.FetchOffset, Math.Max(limit, 0))
                    : log.Read(partition.FetchOffset, Math.Max(limit, 0), minOneBatch);
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
