using System.Threading.Channels;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging;

namespace IngestHub.Client.Internal;

/// <summary>
/// Owns the assigned partitions' positions and the background fetch loop. The loop keeps one Fetch in flight per
/// leader broker for partitions that have fewer than two unconsumed chunks (prefetch), decodes responses into
/// <see cref="FetchedChunk"/>s and writes them to a bounded channel the application reads. Positions without a
/// starting offset are resolved first: the group's committed offset, else auto.offset.reset via ListOffsets.
/// </summary>
internal sealed class ConsumerFetcher : IAsyncDisposable
{
    private const int MaxQueuedChunksPerPartition = 2;

    private readonly object _lock = new();
    private readonly Dictionary<TopicPartition, ConsumerPartition> _partitions = [];
    private readonly Channel<FetchedChunk> _chunks = Channel.CreateBounded<FetchedChunk>(new BoundedChannelOptions(256) { SingleReader = true });
    private readonly ConsumerOptions _options;
    private readonly ClusterClient _cluster;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<TopicPartition>, CancellationToken, Task<Dictionary<TopicPartition, long>>>? _committed;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private FetchedChunk? _current;

    public ConsumerFetcher(ConsumerOptions options, ClusterClient cluster, ILogger logger,
        Func<IReadOnlyList<TopicPartition>, CancellationToken, Task<Dictionary<TopicPartition, long>>>? committed)
    {
        _options = options;
        _cluster = cluster;
        _logger = logger;
        _committed = committed;
    }

    public void Start() => _loop = Task.Run(RunAsync);

    public IReadOnlyList<TopicPartition> Assignment
    {
        get
        {
            lock (_lock)
                return [.. _partitions.Keys];
        }
    }

    /// <summary>Replaces the assignment; partitions kept keep their positions. Offsets below 0 mean "resolve".</summary>
    public void SetAssignment(IEnumerable<TopicPartitionOffset> partitions)
    {
        lock (_lock)
        {
            var next = new Dictionary<TopicPartition, ConsumerPartition>();
            foreach (var entry in partitions)
            {
                var tp = entry.TopicPartition;
                if (!_partitions.TryGetValue(tp, out var state))
                    state = new ConsumerPartition(tp);
                if (entry.Offset >= 0)
                    state.MoveTo(entry.Offset);
                next[tp] = state;
            }
            _partitions.Clear();
            foreach (var (tp, state) in next)
                _partitions[tp] = state;
        }
        Wake();
    }

    public void Seek(TopicPartition partition, long offset)
    {
        lock (_lock)
        {
            if (!_partitions.TryGetValue(partition, out var state))
                throw new InvalidOperationException($"{partition} is not assigned");
            state.MoveTo(offset);
            if (offset < 0)
                state.Position = state.FetchPosition = -1;
        }
        Wake();
    }

    public void SetPaused(IEnumerable<TopicPartition> partitions, bool paused)
    {
        lock (_lock)
        {
            foreach (var tp in partitions)
            {
                if (!_partitions.TryGetValue(tp, out var state) || state.Paused == paused)
                    continue;
                state.Paused = paused;
                if (paused && state.Position >= 0)
                    state.MoveTo(state.Position);
            }
        }
        Wake();
    }

    public long Position(TopicPartition partition)
    {
        lock (_lock)
            return _partitions.TryGetValue(partition, out var state) ? state.Position : -1;
    }

    /// <summary>Positions of assigned partitions that have one (the offsets to commit).</summary>
    public List<TopicPartitionOffset> Positions()
    {
        lock (_lock)
        {
            var result = new List<TopicPartitionOffset>(_partitions.Count);
            foreach (var state in _partitions.Values)
            {
                if (state.Position >= 0)
                    result.Add(new TopicPartitionOffset(state.TopicPartition, state.Position));
            }
            return result;
        }
    }

    public async ValueTask<ConsumeResult> ConsumeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryTakeFromCurrent(out var record))
                return record;
            _current = await _chunks.Reader.ReadAsync(cancellationToken);
        }
    }

    /// <summary>The next record if one is already buffered; never waits.</summary>
    public bool TryConsume(out ConsumeResult record)
    {
        while (true)
        {
            if (TryTakeFromCurrent(out record))
                return true;
            if (!_chunks.Reader.TryRead(out var next))
                return false;
            _current = next;
        }
    }

    private bool TryTakeFromCurrent(out ConsumeResult record)
    {
        if (_current is { } chunk)
        {
            lock (_lock)
            {
                bool live = _partitions.TryGetValue(chunk.Partition.TopicPartition, out var state) && state == chunk.Partition
                    && state.Epoch == chunk.Epoch && !state.Paused;
                while (live && chunk.Next < chunk.Records.Count)
                {
                    var candidate = chunk.Records[chunk.Next++];
                    if (candidate.Offset < state!.Position)
                        continue;
                    state.Position = candidate.Offset + 1;
                    record = candidate;
                    return true;
                }
                if (live)
                    state!.QueuedChunks--;
            }
            _current = null;
            Wake();
        }
        record = null!;
        return false;
    }

    /// <summary>Stops the fetch loop; it waits for its fetches and offset lookups before it ends.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        Wake();
        await _loop;
        _stop.Dispose();
    }

    public void Wake() => Volatile.Read(ref _signal).TrySetResult();

    private async Task RunAsync()
    {
        var inFlight = new Dictionary<int, Task>();
        Task resolving = Task.CompletedTask;
        while (!_stop.IsCancellationRequested)
        {
            Volatile.Write(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            try
            {
                var byNode = new Dictionary<int, List<(ConsumerPartition State, long Offset, int Epoch)>>();
                var unresolved = new List<ConsumerPartition>();
                bool needMetadata = false;
                var metadata = _cluster.Metadata;
                lock (_lock)
                {
                    foreach (var state in _partitions.Values)
                    {
                        if (state.Position < 0)
                        {
                            if (!state.Resolving)
                                unresolved.Add(state);
                            continue;
                        }
                        if (state.Paused || state.QueuedChunks >= MaxQueuedChunksPerPartition)
                            continue;
                        int leader = metadata.LeaderOf(state.TopicPartition);
                        if (leader < 0)
                        {
                            needMetadata = true;
                            continue;
                        }
                        if (inFlight.ContainsKey(leader))
                            continue;
                        if (!byNode.TryGetValue(leader, out var list))
                            byNode[leader] = list = [];
                        list.Add((state, state.FetchPosition, state.Epoch));
                    }
                    foreach (var state in unresolved)
                        state.Resolving = true;
                }
                if (needMetadata)
                    await RefreshMetadataAsync();
                if (unresolved.Count > 0 && resolving.IsCompleted)
                    resolving = ResolvePositionsAsync(unresolved);
                else if (unresolved.Count > 0)
                {
                    lock (_lock)
                    {
                        foreach (var state in unresolved)
                            state.Resolving = false;
                    }
                }
                foreach (var (node, partitions) in byNode)
                    inFlight[node] = FetchAsync(node, partitions);

                var waits = new List<Task>(inFlight.Values) { _signal.Task, Task.Delay(200, _stop.Token) };
                if (!resolving.IsCompleted)
                    waits.Add(resolving);
                await Task.WhenAny(waits);
                foreach (var (node, task) in inFlight.ToArray())
                {
                    if (task.IsCompleted)
                        inFlight.Remove(node);
                }
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "Fetch loop iteration failed");
                await Task.Delay(_options.RetryBackoffMs, CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
            }
        }
        await Task.WhenAll(inFlight.Values);
        await resolving;
        _chunks.Writer.TryComplete();
    }

    private async Task RefreshMetadataAsync()
    {
        try
        {
            await _cluster.RefreshMetadataAsync(null, false, _stop.Token);
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            _logger.LogDebug("Consumer metadata refresh failed: {Error}", ex.Message);
            await Task.Delay(_options.RetryBackoffMs, CancellationToken.None);
        }
    }

    private async Task FetchAsync(int node, List<(ConsumerPartition State, long Offset, int Epoch)> partitions)
    {
        try
        {
            var request = new FetchRequest
            {
                MaxWaitMs = _options.FetchMaxWaitMs,
                MinBytes = _options.FetchMinBytes,
                MaxBytes = _options.FetchMaxBytes,
                IsolationLevel = (sbyte)(_options.ReadCommitted ? 1 : 0),
                SessionId = 0,
                SessionEpoch = -1,
            };
            var topics = new Dictionary<string, FetchRequest.Topic>();
            foreach (var (state, offset, _) in partitions)
            {
                if (!topics.TryGetValue(state.TopicPartition.Topic, out var topic))
                {
                    topics[state.TopicPartition.Topic] = topic = new FetchRequest.Topic { Name = state.TopicPartition.Topic };
                    request.Topics.Add(topic);
                }
                topic.Partitions.Add(new FetchRequest.Partition
                {
                    PartitionIndex = state.TopicPartition.Partition,
                    FetchOffset = offset,
                    PartitionMaxBytes = _options.MaxPartitionFetchBytes,
                });
            }
            var response = await _cluster.SendAsync<FetchRequest, FetchResponse>(node, request, _stop.Token, _options.FetchMaxWaitMs);
            if (response.ErrorCode != ErrorCode.None)
                throw new KafkaException(response.ErrorCode, $"Fetch from broker {node}: {response.ErrorCode}");
            foreach (var topic in response.Topics)
            {
                foreach (var partition in topic.Partitions)
                {
                    var match = partitions.Find(p => p.State.TopicPartition.Partition == partition.PartitionIndex && p.State.TopicPartition.Topic == topic.Name);
                    if (match.State is null)
                        continue;
                    await HandlePartitionAsync(match.State, match.Offset, match.Epoch, partition);
                }
            }
        }
        catch (KafkaException ex)
        {
            _logger.LogDebug("Fetch from broker {Node} failed: {Error}", node, ex.Message);
            _cluster.MarkMetadataStale();
            await DelayQuietly(_options.RetryBackoffMs);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    private async Task HandlePartitionAsync(ConsumerPartition state, long offset, int epoch, FetchResponse.Partition partition)
    {
        switch (partition.ErrorCode)
        {
            case ErrorCode.None:
                break;
            case ErrorCode.OffsetOutOfRange when _options.AutoOffsetReset != AutoOffsetReset.None:
                _logger.LogInformation("Offset {Offset} out of range for {Partition}; resetting ({Policy})", offset, state.TopicPartition, _options.AutoOffsetReset);
                lock (_lock)
                {
                    if (state.Epoch == epoch && state.FetchPosition == offset)
                    {
                        state.MoveTo(-1);
                        state.Position = state.FetchPosition = -1;
                    }
                }
                return;
            default:
                if (KafkaException.NeedsMetadataRefresh(partition.ErrorCode))
                    _cluster.MarkMetadataStale();
                _logger.LogDebug("Fetch {Partition}: {Error}", state.TopicPartition, partition.ErrorCode);
                await DelayQuietly(_options.RetryBackoffMs);
                return;
        }
        var bytes = partition.Records is MemoryRecordsPayload payload ? payload.Bytes : ReadOnlyMemory<byte>.Empty;
        var records = new List<ConsumeResult>();
        long next = Decode(state.TopicPartition, bytes.Span, offset, records);
        lock (_lock)
        {
            state.HighWatermark = partition.HighWatermark;
            if (state.Epoch != epoch || state.FetchPosition != offset || !_partitions.TryGetValue(state.TopicPartition, out var current) || current != state)
                return;
            state.FetchPosition = next;
            if (records.Count == 0)
                return;
            state.QueuedChunks++;
        }
        await _chunks.Writer.WriteAsync(new FetchedChunk(state, epoch, records), _stop.Token);
    }

    /// <summary>Decodes whole batches, skipping records below <paramref name="fetchOffset"/> (a fetch may start
    /// mid-batch) and control batches; returns the next offset to fetch.</summary>
    private long Decode(TopicPartition tp, ReadOnlySpan<byte> bytes, long fetchOffset, List<ConsumeResult> records)
    {
        long next = fetchOffset;
        var batches = new RecordBatchEnumerator(bytes);
        while (batches.MoveNext())
        {
            var header = batches.CurrentHeader;
            if (header.LastOffset < fetchOffset)
                continue;
            if (!header.IsControl)
            {
                var reader = new RecordBatchReader(batches.Current);
                try
                {
                    while (reader.MoveNext())
                    {
                        var record = reader.Current;
                        if (record.Offset < fetchOffset)
                            continue;
                        records.Add(ToResult(tp, record));
                    }
                    if (reader.Error != RecordBatchError.None)
                        throw new KafkaException(ErrorCode.CorruptMessage, $"{tp} batch at {header.BaseOffset}: {reader.Error} {reader.ErrorMessage}");
                }
                finally
                {
                    reader.Dispose();
                }
            }
            next = Math.Max(next, header.LastOffset + 1);
        }
        return next;
    }

    private static ConsumeResult ToResult(TopicPartition tp, in Record record)
    {
        IReadOnlyList<Header> headers = [];
        if (record.HeaderCount > 0)
        {
            var list = new Header[record.HeaderCount];
            int i = 0;
            foreach (var header in record.Headers)
                list[i++] = new Header(header.GetKey(), header.IsValueNull ? null : header.Value.ToArray());
            headers = list;
        }
        return new ConsumeResult
        {
            Topic = tp.Topic,
            Partition = tp.Partition,
            Offset = record.Offset,
            Timestamp = record.Timestamp,
            Key = record.IsKeyNull ? null : record.Key.ToArray(),
            Value = record.IsValueNull ? null : record.Value.ToArray(),
            Headers = headers,
        };
    }

    private async Task ResolvePositionsAsync(List<ConsumerPartition> states)
    {
        try
        {
            var tps = states.ConvertAll(s => s.TopicPartition);
            var committed = _committed is null ? [] : await _committed(tps, _stop.Token);
            var toReset = new List<ConsumerPartition>();
            lock (_lock)
            {
                foreach (var state in states)
                {
                    if (committed.TryGetValue(state.TopicPartition, out long offset) && offset >= 0 && state.Position < 0)
                        state.MoveTo(offset);
                    else if (state.Position < 0)
                        toReset.Add(state);
                }
            }
            if (toReset.Count > 0)
            {
                if (_options.AutoOffsetReset == AutoOffsetReset.None)
                    throw new KafkaException(ErrorCode.OffsetOutOfRange, $"no committed offset for {string.Join(", ", toReset.ConvertAll(s => s.TopicPartition))} and auto.offset.reset is none");
                long timestamp = _options.AutoOffsetReset == AutoOffsetReset.Earliest ? ListOffsetsRequest.EarliestTimestamp : ListOffsetsRequest.LatestTimestamp;
                var offsets = await OffsetLookup.ListOffsetsAsync(_cluster, toReset.ConvertAll(s => s.TopicPartition), timestamp, _stop.Token);
                lock (_lock)
                {
                    foreach (var state in toReset)
                    {
                        if (offsets.TryGetValue(state.TopicPartition, out long offset) && state.Position < 0)
                            state.MoveTo(offset);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            if (!_stop.IsCancellationRequested)
            {
                _logger.LogDebug("Resolving start offsets failed: {Error}", ex.Message);
                await DelayQuietly(_options.RetryBackoffMs);
            }
        }
        finally
        {
            lock (_lock)
            {
                foreach (var state in states)
                    state.Resolving = false;
            }
            Wake();
        }
    }

    private async Task DelayQuietly(int ms)
    {
        try
        {
            await Task.Delay(ms, _stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
