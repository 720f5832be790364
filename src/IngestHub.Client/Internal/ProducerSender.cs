using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace IngestHub.Client.Internal;

/// <summary>
/// Owns the producer's partition queues and its one sender loop. Produce calls append under <see cref="_lock"/>;
/// the loop closes batches when full, lingered or flushed, gives them sequence numbers, groups them by leader
/// and sends one Produce request per broker (up to max.in.flight per connection, one batch per partition per
/// request). Responses complete records, requeue retriable failures in sequence order, or fail them.
///
/// Idempotence: the producer id comes from InitProducerId before the first send. A batch keeps its sequence
/// across retries; while a partition has a retried batch only one request is in flight for it, and an
/// OUT_OF_ORDER_SEQUENCE answer for a batch behind an unacknowledged one is retried (the gap is the earlier
/// batch). No new batch is sequenced while five batches from the oldest unacknowledged one on are out, acknowledged
/// or not: the broker recognises a retry only among a producer's last five batches. Any other failure of a sequenced batch (non-retriable error, OUT_OF_ORDER at the head,
/// UNKNOWN_PRODUCER_ID, expiry) fails that batch's records and resets the producer: once nothing is in flight
/// it takes a new producer id and restarts every partition at sequence 0, restamping queued batches. The
/// failed records are reported, never silently resent, because they might have been written.
/// </summary>
internal sealed class ProducerSender : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly Dictionary<TopicPartition, ProducerPartition> _partitions = [];
    // The same partition states by topic name and partition number (the append path looks up a topic once), and each
    // topic's sticky partition for keyless records.
    private readonly Dictionary<string, ProducerTopic> _topics = [];
    private readonly Dictionary<int, int> _nodeInFlight = [];
    private readonly List<TaskCompletionSource> _flushWaiters = [];
    private readonly SemaphoreSlim _wakeup = new(0, int.MaxValue);
    private readonly ProducerOptions _options;
    private readonly ClusterClient _cluster;
    private readonly ProducerMemory _memory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _incompleteBatches;
    private int _flushRequests;
    private bool _closing;
    private long _producerId = -1;
    private short _producerEpoch = -1;
    private bool _producerIdResetPending;
    /// <summary>InitProducerId failures in a row: the next attempt waits retry.backoff.ms doubled per failure, up to a
    /// second, and after a failure the id is asked for again only once there is something to send.</summary>
    private int _initFailures;
    private long _nextInitMs;
    private string? _lastInitError;
    private Task _metadataRefresh = Task.CompletedTask;

    public ProducerSender(ProducerOptions options, ClusterClient cluster, ProducerMemory memory, ILogger logger)
    {
        _options = options;
        _cluster = cluster;
        _memory = memory;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public long ProducerId => Interlocked.Read(ref _producerId);

    /// <summary>Appends one record to a chosen partition.</summary>
    public void Append(TopicPartition partition, long timestamp, byte[]? key, byte[]? value, ReadOnlySpan<RecordHeaderEntry> headers,
        in Delivery delivery, int reservedBytes)
    {
        bool wake;
        lock (_lock)
        {
            if (_closing)
                throw new ObjectDisposedException(nameof(KafkaProducer));
            var state = PartitionState(TopicState(partition.Topic), partition.Partition);
            AppendLocked(state, timestamp, key, value, headers, delivery, reservedBytes, out wake);
        }
        if (wake)
            Wake();
    }

    /// <summary>Appends a keyless record: it sticks to one partition until the batch it went into is closed (sent or
    /// full), then moves to another random partition (KIP-480).</summary>
    public void AppendSticky(string topic, int partitionCount, long timestamp, byte[]? value, ReadOnlySpan<RecordHeaderEntry> headers,
        in Delivery delivery, int reservedBytes)
    {
        bool wake;
        lock (_lock)
        {
            if (_closing)
                throw new ObjectDisposedException(nameof(KafkaProducer));
            var topicState = TopicState(topic);
            if (topicState.Sticky < 0)
                topicState.Sticky = Random.Shared.Next(partitionCount);
            if (topicState.StickyBatch is not null && (topicState.Sticky >= topicState.Partitions.Length
                || topicState.Partitions[topicState.Sticky]?.Open != topicState.StickyBatch))
            {
                topicState.Sticky = partitionCount > 1
                    ? (topicState.Sticky + 1 + Random.Shared.Next(partitionCount - 1)) % partitionCount
                    : 0;
                topicState.StickyBatch = null;
            }
            if (topicState.Sticky >= partitionCount)
                topicState.Sticky = Random.Shared.Next(partitionCount);
            var state = PartitionState(topicState, topicState.Sticky);
            topicState.StickyBatch = AppendLocked(state, timestamp, null, value, headers, delivery, reservedBytes, out wake);
        }
        if (wake)
            Wake();
    }

    private ProducerTopic TopicState(string topic)
    {
        if (!_topics.TryGetValue(topic, out var state))
            _topics[topic] = state = new ProducerTopic(topic);
        return state;
    }

    private ProducerPartition PartitionState(ProducerTopic topic, int partition)
    {
        if (partition >= topic.Partitions.Length)
            Array.Resize(ref topic.Partitions, partition + 1);
        if (topic.Partitions[partition] is { } known)
            return known;
        var tp = new TopicPartition(topic.Name, partition);
        var state = new ProducerPartition(tp);
        _partitions[tp] = state;
        topic.Partitions[partition] = state;
        return state;
    }

    /// <summary>Appends to the partition's open batch, closing it first when the record does not fit (under the lock).</summary>
    private ProducerBatch AppendLocked(ProducerPartition state, long timestamp, byte[]? key, byte[]? value, ReadOnlySpan<RecordHeaderEntry> headers,
        in Delivery delivery, int reservedBytes, out bool wake)
    {
        wake = false;
        var batch = state.Open;
        // batch.size bounds the whole batch, header included (as the Java client counts it).
        if (batch is not null && batch.RecordCount > 0 && RecordBatchHeader.Size + batch.RecordsBytes + reservedBytes > _options.BatchSize)
        {
            Close(state);
            batch = null;
            wake = true;
        }
        if (batch is null)
        {
            long now = Environment.TickCount64;
            batch = new ProducerBatch(state.TopicPartition, _options.CompressionType, now, now + _options.DeliveryTimeoutMs, BatchCapacity(state, reservedBytes),
                Math.Max(state.LastBatchRecords, 4));
            state.Open = batch;
            _incompleteBatches++;
            wake = true;
        }
        batch.Append(timestamp, key, value, headers, delivery, reservedBytes);
        return batch;
    }

    /// <summary>Buffer for a new batch: what the partition's previous batch needed (so a busy partition fills its
    /// batches without regrowing them, and a quiet one does not hold batch.size per batch), within batch.size. The
    /// delivery list is sized from the previous batch's record count the same way.</summary>
    private int BatchCapacity(ProducerPartition state, int firstRecordBytes)
    {
        int wanted = Math.Max(state.LastBatchBytes, RecordBatchHeader.Size + firstRecordBytes);
        return Math.Max(Math.Min(wanted, _options.BatchSize), 4096);
    }

    /// <summary>Moves the open batch to the send queue (under the lock).</summary>
    private static void Close(ProducerPartition state)
    {
        var open = state.Open!;
        state.LastBatchBytes = RecordBatchHeader.Size + open.RecordsBytes;
        state.LastBatchRecords = open.RecordCount;
        state.Ready.Add(open);
        state.Open = null;
    }

    public Task FlushAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_incompleteBatches == 0)
                return Task.CompletedTask;
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add(waiter);
            _flushRequests++;
        }
        Wake();
        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Flushes, then stops the loop; the loop waits for its sends and metadata refresh before it ends.</summary>
    public async ValueTask DisposeAsync()
    {
        await FlushAsync(CancellationToken.None);
        lock (_lock)
            _closing = true;
        _stop.Cancel();
        Wake();
        await _loop;
        _wakeup.Dispose();
        _stop.Dispose();
    }

    private void Wake()
    {
        if (_wakeup.CurrentCount == 0)
            _wakeup.Release();
    }

    private async Task RunAsync()
    {
        var byNode = new Dictionary<int, List<ProducerBatch>>();
        var sending = new List<Task>();
        while (!_stop.IsCancellationRequested)
        {
            int waitMs;
            try
            {
                if (_options.EnableIdempotence && (_producerId < 0 || ResetReady()))
                {
                    long now = Environment.TickCount64;
                    bool idle = _initFailures > 0 && Volatile.Read(ref _incompleteBatches) == 0;
                    if (idle || now < _nextInitMs)
                    {
                        await WaitAsync(idle ? 1000 : (int)(_nextInitMs - now));
                        continue;
                    }
                    if (!await InitProducerIdAsync())
                    {
                        ExpireAll(Environment.TickCount64);
                        continue;
                    }
                }
                byNode.Clear();
                waitMs = Drain(byNode);
                sending.RemoveAll(static t => t.IsCompleted);
                foreach (var (node, batches) in byNode)
                    sending.Add(SendAsync(node, [.. batches]));
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Producer sender loop failed; retrying");
                waitMs = _options.RetryBackoffMs;
            }
            await WaitAsync(waitMs);
        }
        // Sends and the metadata refresh use _stop and _wakeup: they end (cancelled) before those are disposed.
        try
        {
            await Task.WhenAll(sending);
            Task refresh;
            lock (_lock)
                refresh = _metadataRefresh;
            await refresh;
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Producer send failed while closing");
        }
    }

    private async Task WaitAsync(int waitMs)
    {
        try
        {
            await _wakeup.WaitAsync(Math.Max(waitMs, 1), _stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private bool ResetReady()
    {
        lock (_lock)
        {
            if (!_producerIdResetPending)
                return false;
            foreach (var state in _partitions.Values)
            {
                if (state.InFlight > 0)
                    return false;
            }
            return true;
        }
    }

    private async Task<bool> InitProducerIdAsync()
    {
        try
        {
            var response = await _cluster.SendToAnyAsync<InitProducerIdRequest, InitProducerIdResponse>(
                new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = int.MaxValue }, _stop.Token);
            KafkaException.ThrowIfError(response.ErrorCode, "InitProducerId");
            lock (_lock)
            {
                _producerId = response.ProducerId;
                _producerEpoch = response.ProducerEpoch;
                _producerIdResetPending = false;
                foreach (var state in _partitions.Values)
                {
                    state.NextSequence = 0;
                    state.SequenceEstablished = false;
                    state.Unacked.Clear();
                    foreach (var batch in state.Ready)
                    {
                        if (batch.BaseSequence < 0)
                            continue;
                        batch.Restamp(_producerId, _producerEpoch, state.NextSequence);
                        state.NextSequence += batch.RecordCount;
                        state.Unacked.Add(batch);
                    }
                }
            }
            _logger.LogDebug("Producer id {ProducerId} epoch {Epoch}", response.ProducerId, response.ProducerEpoch);
            if (_initFailures > 0)
                _logger.LogInformation("Producer id {ProducerId} granted after {Failures} failed attempt(s)", response.ProducerId, _initFailures);
            _initFailures = 0;
            _lastInitError = null;
            return true;
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            _initFailures++;
            int backoff = (int)Math.Min(1000L, (long)Math.Max(1, _options.RetryBackoffMs) << Math.Min(_initFailures - 1, 20));
            _nextInitMs = Environment.TickCount64 + backoff;
            if (ex is KafkaException { ErrorCode: ErrorCode.ClusterAuthorizationFailed or ErrorCode.TransactionalIdAuthorizationFailed } refused)
            {
                // Kafka's producer treats this as fatal; here the records queued so far fail with it at once rather
                // than after delivery.timeout.ms, and the id is asked for again when more arrive (ACLs may change).
                if (_lastInitError != refused.Message)
                    _logger.LogWarning("InitProducerId refused: {Error}; idempotent sends fail until IDEMPOTENT_WRITE on the cluster is granted", refused.Message);
                _lastInitError = refused.Message;
                FailQueued(refused);
            }
            else
            {
                _logger.LogDebug("InitProducerId failed: {Error}", ex.Message);
            }
            return false;
        }
    }

    /// <summary>Picks the batches to send now; returns how long the loop may sleep.</summary>
    private int Drain(Dictionary<int, List<ProducerBatch>> byNode)
    {
        long now = Environment.TickCount64;
        long nextWake = now + 100;
        var metadata = _cluster.Metadata;
        bool needMetadata = false;
        List<ProducerBatch>? expired = null;
        lock (_lock)
        {
            bool flushing = _flushRequests > 0 || _closing;
            int perPartitionLimit = _options.EnableIdempotence ? Math.Min(_options.MaxInFlightRequestsPerConnection, 5) : _options.MaxInFlightRequestsPerConnection;
            foreach (var state in _partitions.Values)
            {
                if (state.Open is { } open)
                {
                    if (flushing || now - open.CreatedMs >= _options.LingerMs)
                        Close(state);
                    else
                    {
                        nextWake = Math.Min(nextWake, open.CreatedMs + _options.LingerMs);
                    }
                }
                ExpireReady(state, now, ref expired);
                if (state.Ready.Count == 0 || _producerIdResetPending)
                    continue;
                var head = state.Ready[0];
                if (head.RetryAtMs > now)
                {
                    nextWake = Math.Min(nextWake, head.RetryAtMs);
                    continue;
                }
                int limit = state.Retrying || (_options.EnableIdempotence && !state.SequenceEstablished) ? 1 : perPartitionLimit;
                if (state.InFlight >= limit)
                    continue;
                if (_options.EnableIdempotence && head.BaseSequence < 0 && state.Unacked.Count >= perPartitionLimit)
                    continue;
                int leader = metadata.LeaderOf(state.TopicPartition);
                if (leader < 0)
                {
                    needMetadata = true;
                    continue;
                }
                _nodeInFlight.TryGetValue(leader, out int nodeRequests);
                if (!byNode.TryGetValue(leader, out var list))
                {
                    if (nodeRequests >= _options.MaxInFlightRequestsPerConnection)
                        continue;
                    byNode[leader] = list = [];
                    _nodeInFlight[leader] = nodeRequests + 1;
                }
                state.Ready.RemoveAt(0);
                if (_options.EnableIdempotence && head.BaseSequence < 0)
                {
                    head.Freeze(_producerId, _producerEpoch, state.NextSequence);
                    state.NextSequence = unchecked(state.NextSequence + head.RecordCount) & int.MaxValue;
                    state.Unacked.Add(head);
                }
                else
                {
                    head.Freeze(-1, -1, -1);
                }
                state.InFlight++;
                list.Add(head);
            }
        }
        if (expired is not null)
        {
            foreach (var batch in expired)
                Finish(batch, new KafkaException(ErrorCode.RequestTimedOut,
                    $"{batch.RecordCount} record(s) for {batch.TopicPartition} expired: not delivered within delivery.timeout.ms ({_options.DeliveryTimeoutMs} ms)"));
        }
        if (needMetadata || _cluster.Metadata != metadata)
            RefreshMetadataInBackground();
        return (int)Math.Max(nextWake - now, 1);
    }

    private void ExpireReady(ProducerPartition state, long now, ref List<ProducerBatch>? expired)
    {
        for (int i = 0; i < state.Ready.Count; i++)
        {
            var batch = state.Ready[i];
            if (batch.DeadlineMs > now)
                continue;
            state.Ready.RemoveAt(i--);
            if (batch.BaseSequence >= 0)
            {
                state.Forget(batch);
                _producerIdResetPending = true;
            }
            (expired ??= []).Add(batch);
        }
    }

    /// <summary>Fails every queued batch (open or ready, none of them sent under a producer id) with <paramref name="error"/>.</summary>
    private void FailQueued(KafkaException error)
    {
        var failed = new List<ProducerBatch>();
        lock (_lock)
        {
            foreach (var state in _partitions.Values)
            {
                if (state.Open is { } open)
                {
                    failed.Add(open);
                    state.Open = null;
                }
                foreach (var batch in state.Ready)
                {
                    if (batch.BaseSequence >= 0)
                        state.Forget(batch);
                    failed.Add(batch);
                }
                state.Ready.Clear();
            }
        }
        foreach (var batch in failed)
            Finish(batch, new KafkaException(error.ErrorCode, $"{batch.RecordCount} record(s) for {batch.TopicPartition} not sent: {error.Message}"));
    }

    private void ExpireAll(long now)
    {
        List<ProducerBatch>? expired = null;
        lock (_lock)
        {
            foreach (var state in _partitions.Values)
            {
                if (state.Open is { } open && open.DeadlineMs <= now)
                {
                    state.Ready.Add(open);
                    state.Open = null;
                }
                ExpireReady(state, now, ref expired);
            }
        }
        if (expired is null)
            return;
        foreach (var batch in expired)
            Finish(batch, new KafkaException(ErrorCode.RequestTimedOut,
                $"{batch.RecordCount} record(s) for {batch.TopicPartition} expired: no producer id within delivery.timeout.ms ({_options.DeliveryTimeoutMs} ms)"));
    }

    private void RefreshMetadataInBackground()
    {
        lock (_lock)
        {
            if (!_metadataRefresh.IsCompleted)
                return;
            _metadataRefresh = RefreshAsync();
        }

        async Task RefreshAsync()
        {
            try
            {
                await Task.Delay(_options.RetryBackoffMs, _stop.Token);
                await _cluster.RefreshMetadataAsync(null, _options.AllowAutoCreateTopics, _stop.Token);
                Wake();
            }
            catch (Exception ex) when (ex is KafkaException or OperationCanceledException or ObjectDisposedException)
            {
                _logger.LogDebug("Producer metadata refresh failed: {Error}", ex.Message);
            }
        }
    }

    private async Task SendAsync(int node, ProducerBatch[] batches)
    {
        var results = new (ErrorCode Error, long BaseOffset, long AppendTime)[batches.Length];
        Array.Fill(results, (ErrorCode.NetworkException, -1L, -1L));
        try
        {
            var request = new ProduceRequest { Acks = (short)_options.Acks, TimeoutMs = _options.RequestTimeoutMs };
            var topics = new Dictionary<string, ProduceRequest.Topic>();
            foreach (var batch in batches)
            {
                if (!topics.TryGetValue(batch.TopicPartition.Topic, out var topic))
                {
                    topics[batch.TopicPartition.Topic] = topic = new ProduceRequest.Topic { Name = batch.TopicPartition.Topic };
                    request.Topics.Add(topic);
                }
                topic.Partitions.Add(new ProduceRequest.Partition { PartitionIndex = batch.TopicPartition.Partition, Records = new MemoryRecordsPayload(batch.Wire) });
            }
            var connection = await _cluster.GetConnectionAsync(node, _stop.Token);
            if (_options.Acks == Acks.None)
            {
                await connection.SendWithoutResponseAsync(request, connection.NegotiateVersion<ProduceRequest, ProduceResponse>());
                Array.Fill(results, (ErrorCode.None, -1L, -1L));
            }
            else
            {
                var response = await connection.SendAsync<ProduceRequest, ProduceResponse>(request, _stop.Token, frameSizeHint: FrameSize(batches));
                foreach (var topic in response.Topics)
                {
                    foreach (var partition in topic.Partitions)
                    {
                        int index = Array.FindIndex(batches, b => b.TopicPartition.Partition == partition.PartitionIndex && b.TopicPartition.Topic == topic.Name);
                        if (index >= 0)
                            results[index] = (partition.ErrorCode, partition.BaseOffset, partition.LogAppendTimeMs);
                    }
                }
            }
        }
        catch (KafkaException ex)
        {
            for (int i = 0; i < results.Length; i++)
                results[i] = (ex.ErrorCode, -1, -1);
            _cluster.MarkMetadataStale();
        }
        catch (Exception ex)
        {
            if (ex is not OperationCanceledException)
                _logger.LogWarning(ex, "Produce to broker {Node} failed", node);
        }
        finally
        {
            lock (_lock)
                _nodeInFlight[node]--;
        }
        for (int i = 0; i < batches.Length; i++)
            Complete(batches[i], results[i].Error, results[i].BaseOffset, results[i].AppendTime);
        Wake();
    }

    /// <summary>Room for a Produce request carrying these batches, so the frame is not regrown while it is encoded.</summary>
    private static int FrameSize(ProducerBatch[] batches)
    {
        long size = 512;
        foreach (var batch in batches)
            size += batch.Wire.Length + batch.TopicPartition.Topic.Length * 3 + 32;
        return (int)Math.Min(size, int.MaxValue / 2);
    }

    private sealed class ProducerTopic(string name)
    {
        public readonly string Name = name;
        public ProducerPartition?[] Partitions = [];
        public int Sticky = -1;
        public ProducerBatch? StickyBatch;
    }

    private void Complete(ProducerBatch batch, ErrorCode error, long baseOffset, long appendTime)
    {
        long now = Environment.TickCount64;
        KafkaException? failure = null;
        lock (_lock)
        {
            var state = _partitions[batch.TopicPartition];
            state.InFlight--;
            if (error is ErrorCode.None or ErrorCode.DuplicateSequenceNumber)
            {
                state.Acknowledge(batch);
                state.SequenceEstablished = true;
            }
            else
            {
                bool behindGap = error == ErrorCode.OutOfOrderSequenceNumber && state.Unacked.Count > 0 && state.Unacked[0] != batch;
                bool retriable = KafkaException.IsRetriableCode(error) || behindGap;
                if (KafkaException.NeedsMetadataRefresh(error))
                    _cluster.MarkMetadataStale();
                if (retriable && batch.Attempts < _options.Retries && now + _options.RetryBackoffMs < batch.DeadlineMs)
                {
                    batch.Attempts++;
                    batch.RetryAtMs = now + _options.RetryBackoffMs;
                    state.Requeue(batch);
                    _logger.LogDebug("Retrying batch for {Partition} after {Error}", batch.TopicPartition, error);
                    return;
                }
                if (batch.BaseSequence >= 0)
                {
                    state.Forget(batch);
                    _producerIdResetPending = true;
                }
                // Out of time (or retries) on a retriable error: report it as the delivery timeout it is.
                failure = retriable
                    ? new KafkaException(ErrorCode.RequestTimedOut,
                        $"{batch.RecordCount} record(s) for {batch.TopicPartition} not delivered within delivery.timeout.ms ({_options.DeliveryTimeoutMs} ms) after {batch.Attempts + 1} attempt(s); last error {error}")
                    : new KafkaException(error, $"produce to {batch.TopicPartition} failed: {error} ({(short)error})");
            }
        }
        if (failure is null)
            Finish(batch, null, baseOffset, appendTime);
        else
            Finish(batch, failure);
    }

    private void Finish(ProducerBatch batch, KafkaException? error, long baseOffset = -1, long appendTime = -1)
    {
        int reserved = batch.ReservedBytes;
        if (error is null)
            batch.Complete(baseOffset, appendTime);
        else
            batch.Fail(error);
        _memory.Release(reserved);
        List<TaskCompletionSource>? done = null;
        lock (_lock)
        {
            if (--_incompleteBatches == 0 && _flushWaiters.Count > 0)
            {
                done = [.. _flushWaiters];
                _flushRequests -= _flushWaiters.Count;
                _flushWaiters.Clear();
            }
        }
        if (done is not null)
        {
            foreach (var waiter in done)
                waiter.TrySetResult();
        }
    }
}
