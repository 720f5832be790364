using System.Buffers.Binary;
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
/// <para>Two kinds of failure are kept apart. A batch that cannot be decoded is a data error: it becomes a
/// <see cref="RecordBatchDecodeException"/> queued in offset order like records, the fetch position moves past it,
/// and the rest of the response (later batches, other partitions) is delivered as usual. Broker and network errors
/// are transport errors: the fetch is retried after a backoff, and a failure that repeats is logged at Warning.</para>
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
    private readonly Dictionary<int, ErrorStreak> _nodeErrors = [];
    private readonly ErrorStreak _resolveErrors = new();
    private readonly ErrorStreak _metadataErrors = new();
    private Task _loop = Task.CompletedTask;
    private FetchedChunk? _current;
    private KafkaException? _fault;
    private TaskCompletionSource _faulted = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
            foreach (var (tp, state) in _partitions)
            {
                if (!next.ContainsKey(tp))
                    state.Assigned = false;
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

    /// <summary>The next record. A fetch, offset lookup or partition error that failed
    /// <see cref="ConsumerOptions.FetchFailuresBeforeError"/> times in a row is thrown here (once; fetching goes on).</summary>
    public async ValueTask<ConsumeResult> ConsumeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ThrowIfFaulted();
            if (TryTakeFromCurrent(out var record))
                return record;
            if (_chunks.Reader.TryRead(out var next))
            {
                _current = next;
                continue;
            }
            var faulted = Volatile.Read(ref _faulted).Task;
            var readable = _chunks.Reader.WaitToReadAsync(cancellationToken).AsTask();
            await Task.WhenAny(readable, faulted);
            if (readable.IsCompleted)
                await readable;
        }
    }

    /// <summary>The next record if one is already buffered; never waits. Throws a repeated failure like
    /// <see cref="ConsumeAsync"/>.</summary>
    public bool TryConsume(out ConsumeResult record)
    {
        ThrowIfFaulted();
        while (true)
        {
            if (TryTakeFromCurrent(out record))
                return true;
            if (!_chunks.Reader.TryRead(out var next))
                return false;
            _current = next;
        }
    }

    private void ThrowIfFaulted()
    {
        var fault = Interlocked.Exchange(ref _fault, null);
        if (fault is null)
            return;
        Volatile.Write(ref _faulted, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        throw fault;
    }

    /// <summary>Counts a failure against the partitions it concerns; when one has failed
    /// <see cref="ConsumerOptions.FetchFailuresBeforeError"/> times in a row, logs it at Warning and hands it to the
    /// application's next consume.</summary>
    private void RecordFailure(IEnumerable<ConsumerPartition> states, string what, ErrorCode error, string detail)
    {
        int failures = 0;
        string partitions;
        lock (_lock)
        {
            var names = new List<string>();
            foreach (var state in states)
            {
                failures = Math.Max(failures, ++state.ConsecutiveFailures);
                names.Add(state.TopicPartition.ToString());
            }
            partitions = string.Join(", ", names);
            if (failures < _options.FetchFailuresBeforeError)
                return;
            foreach (var state in states)
                state.ConsecutiveFailures = 0;
        }
        _logger.LogWarning("{What} for {Partitions} failed {Failures} times in a row: {Error}", what, partitions, failures, detail);
        Volatile.Write(ref _fault, new KafkaException(error, $"{what} for {partitions} failed {failures} times in a row: {detail}"));
        Volatile.Read(ref _faulted).TrySetResult();
    }

    private void RecordSuccess(ConsumerPartition state)
    {
        lock (_lock)
            state.ConsecutiveFailures = 0;
    }

    /// <summary>The next record of the chunk in hand; throws the chunk's <see cref="RecordBatchDecodeException"/>
    /// (after moving the position past it) when the chunk is an undecodable batch.</summary>
    private bool TryTakeFromCurrent(out ConsumeResult record)
    {
        if (_current is { } chunk)
        {
            RecordBatchDecodeException? failure = null;
            lock (_lock)
            {
                var state = chunk.Partition;
                bool live = state.Assigned && state.Epoch == chunk.Epoch && !state.Paused;
                if (live && chunk.Failure is { } f && f.LastOffset >= state.Position)
                {
                    state.Position = f.LastOffset + 1;
                    failure = f;
                }
                while (live && failure is null && chunk.Next < chunk.Records.Count)
                {
                    var candidate = chunk.Records[chunk.Next++];
                    if (candidate.Offset < state.Position)
                        continue;
                    state.Position = candidate.Offset + 1;
                    record = candidate;
                    return true;
                }
                if (live)
                    state.QueuedChunks--;
            }
            _current = null;
            Wake();
            if (failure is not null)
                throw failure;
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
                // A partition whose leader moved is marked stale by its failed fetch; it is fetched from the stale
                // leader again (and refused again) until the metadata is read anew.
                if (needMetadata || _cluster.MetadataStale)
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
            if (_metadataErrors.Succeed() is int failures and > 0)
                _logger.LogInformation("Consumer metadata refresh succeeded after {Failures} failures", failures);
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            if (ex is KafkaException && _metadataErrors.Fail())
                _logger.LogWarning("Consumer metadata refresh failed {Failures} times in a row: {Error}; retrying every {Backoff} ms",
                    _metadataErrors.Count, ex.Message, _options.RetryBackoffMs);
            else
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
            // The records are copied out while decoding, so the response buffer goes back to the pool after this call.
            using var lease = await _cluster.SendPooledAsync<FetchRequest, FetchResponse>(node, request, _stop.Token, _options.FetchMaxWaitMs);
            var response = lease.Response;
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
            if (NodeErrors(node).Succeed() is int failures and > 0)
                _logger.LogInformation("Fetch from broker {Node} succeeded again after {Failures} failures", node, failures);
        }
        catch (KafkaException ex)
        {
            var streak = NodeErrors(node);
            if (streak.Fail())
                _logger.LogWarning("Fetch from broker {Node} failed {Failures} times in a row ({Partitions} partitions waiting): {Error}; retrying every {Backoff} ms",
                    node, streak.Count, partitions.Count, ex.Message, _options.RetryBackoffMs);
            else
                _logger.LogDebug("Fetch from broker {Node} failed: {Error}", node, ex.Message);
            RecordFailure(partitions.Select(p => p.State), $"Fetch from broker {node}", ex.ErrorCode, ex.Message);
            _cluster.MarkMetadataStale();
            await DelayQuietly(_options.RetryBackoffMs);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
        }
        catch (Exception ex) when (!_stop.IsCancellationRequested)
        {
            // Not a Kafka error (a response that does not parse, a bug): still a failed fetch, retried, never silent.
            NodeErrors(node).Fail();
            _logger.LogWarning(ex, "Fetch from broker {Node} failed unexpectedly; retrying in {Backoff} ms", node, _options.RetryBackoffMs);
            _cluster.MarkMetadataStale();
            await DelayQuietly(_options.RetryBackoffMs);
        }
    }

    private ErrorStreak NodeErrors(int node)
    {
        lock (_nodeErrors)
        {
            if (!_nodeErrors.TryGetValue(node, out var streak))
                _nodeErrors[node] = streak = new ErrorStreak();
            return streak;
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
                if (state.Errors.Fail())
                    _logger.LogWarning("Fetch {Partition} at offset {Offset} failed {Failures} times in a row: {Error} ({Code}); retrying every {Backoff} ms",
                        state.TopicPartition, offset, state.Errors.Count, partition.ErrorCode, (short)partition.ErrorCode, _options.RetryBackoffMs);
                else
                    _logger.LogDebug("Fetch {Partition}: {Error}", state.TopicPartition, partition.ErrorCode);
                RecordFailure([state], "Fetch", partition.ErrorCode, $"{partition.ErrorCode} ({(short)partition.ErrorCode})");
                await DelayQuietly(_options.RetryBackoffMs);
                return;
        }
        RecordSuccess(state);
        var bytes = partition.Records is MemoryRecordsPayload payload ? payload.Bytes : ReadOnlyMemory<byte>.Empty;
        var chunks = new List<FetchedChunk>(1);
        long next = Decode(state, epoch, bytes, offset, partition.HighWatermark, chunks);
        if (next == offset && !bytes.IsEmpty)
        {
            // Bytes but not one whole batch: nothing to deliver and no progress. Normal once at the end of a large
            // response; a partition that never gets a whole batch would stall, so a streak of these is reported.
            if (state.Errors.Fail())
                _logger.LogWarning("Fetch {Partition} at offset {Offset} returned {Bytes} bytes but no whole record batch {Failures} times in a row (max.partition.fetch.bytes {Max})",
                    state.TopicPartition, offset, bytes.Length, state.Errors.Count, _options.MaxPartitionFetchBytes);
        }
        else if (state.Errors.Succeed() is int failures and > 0)
        {
            _logger.LogInformation("Fetch {Partition} recovered after {Failures} failed attempts", state.TopicPartition, failures);
        }
        lock (_lock)
        {
            state.HighWatermark = partition.HighWatermark;
            if (state.Epoch != epoch || state.FetchPosition != offset || !_partitions.TryGetValue(state.TopicPartition, out var current) || current != state)
                return;
            state.FetchPosition = next;
            if (chunks.Count == 0)
                return;
            state.QueuedChunks += chunks.Count;
        }
        foreach (var chunk in chunks)
        {
            if (chunk.Failure is { } failure)
                _logger.LogWarning("{Failure}; delivering it to the application and moving on to offset {Next}", failure.Message, failure.LastOffset + 1);
            await _chunks.Writer.WriteAsync(chunk, _stop.Token);
        }
    }

    /// <summary>Decodes whole batches into chunks, skipping records below <paramref name="fetchOffset"/> (a fetch may
    /// start mid-batch) and control batches; returns the next offset to fetch. A batch that cannot be decoded becomes
    /// a failure chunk between the records before and after it; a partial batch at the end is left for the next fetch.</summary>
    internal static long Decode(ConsumerPartition state, int epoch, ReadOnlyMemory<byte> memory, long fetchOffset, long highWatermark,
        List<FetchedChunk> chunks)
    {
        var tp = state.TopicPartition;
        var span = memory.Span;
        long next = fetchOffset;
        List<ConsumeResult>? records = null;
        int position = 0;
        while (position < span.Length)
        {
            var rest = span[position..];
            var error = RecordBatchHeader.TryRead(rest, out var header);
            if (error == RecordBatchError.None && rest.Length < header.TotalSize)
                error = RecordBatchError.Truncated;
            if (error == RecordBatchError.Truncated)
                break;
            if (error != RecordBatchError.None)
            {
                var unframed = Unframed(tp, memory[position..], next, highWatermark, error, out int entrySize);
                if (unframed is null)
                    break; // an old-format entry cut off at the end of the response
                Flush(state, epoch, ref records, chunks);
                chunks.Add(new FetchedChunk(state, epoch, unframed));
                next = unframed.LastOffset + 1;
                if (entrySize == 0)
                    break; // nothing after it can be framed
                position += entrySize;
                continue;
            }
            var batch = memory.Slice(position, header.TotalSize);
            position += header.TotalSize;
            if (header.LastOffset < fetchOffset)
                continue;
            if (!header.IsControl)
            {
                int before = records?.Count ?? 0;
                var reader = new RecordBatchReader(batch.Span);
                try
                {
                    while (reader.MoveNext())
                    {
                        var record = reader.Current;
                        if (record.Offset < fetchOffset)
                            continue;
                        (records ??= []).Add(ToResult(tp, record));
                    }
                    if (reader.Error != RecordBatchError.None)
                    {
                        // The whole batch is one failure: records read before the fault are not delivered on their own.
                        records?.RemoveRange(before, records.Count - before);
                        long first = Math.Max(Math.Max(fetchOffset, header.BaseOffset), next);
                        long last = Bound(first, header.LastOffset, span[position..], highWatermark);
                        Flush(state, epoch, ref records, chunks);
                        chunks.Add(new FetchedChunk(state, epoch,
                            new RecordBatchDecodeException(tp, first, last, reader.Error, reader.ErrorMessage ?? reader.Error.ToString(), batch.ToArray())));
                        next = last + 1;
                        continue;
                    }
                }
                finally
                {
                    reader.Dispose();
                }
            }
            next = Math.Max(next, header.LastOffset + 1);
        }
        Flush(state, epoch, ref records, chunks);
        return next;
    }

    private static void Flush(ConsumerPartition state, int epoch, ref List<ConsumeResult>? records, List<FetchedChunk> chunks)
    {
        if (records is { Count: > 0 })
            chunks.Add(new FetchedChunk(state, epoch, records));
        records = null;
    }

    /// <summary>The last offset of a batch whose header may be damaged (its CRC did not match): never past the next
    /// batch in the response or the high watermark, never before <paramref name="first"/>.</summary>
    private static long Bound(long first, long last, ReadOnlySpan<byte> after, long highWatermark)
    {
        if (RecordBatchHeader.TryRead(after, out var following) == RecordBatchError.None && following.BaseOffset > first)
            last = Math.Min(last, following.BaseOffset - 1);
        if (highWatermark > first)
            last = Math.Min(last, highWatermark - 1);
        return Math.Max(last, first);
    }

    /// <summary>A failure for bytes that do not frame as a batch v2. A message set of the pre-0.11 formats (magic 0
    /// or 1) is skipped by its size field and covers up to its offset field; anything else covers one offset and ends
    /// decoding of this response (<paramref name="entrySize"/> 0). Null when an old-format entry is cut off at the end.</summary>
    private static RecordBatchDecodeException? Unframed(TopicPartition tp, ReadOnlyMemory<byte> memory, long next, long highWatermark,
        RecordBatchError error, out int entrySize)
    {
        var rest = memory.Span;
        entrySize = 0;
        long last = next;
        string reason;
        byte magic = rest.Length > RecordBatchHeader.MagicOffset ? rest[RecordBatchHeader.MagicOffset] : (byte)0xFF;
        int length = rest.Length >= RecordBatchHeader.LogOverhead ? BinaryPrimitives.ReadInt32BigEndian(rest[RecordBatchHeader.BatchLengthOffset..]) : -1;
        if (error == RecordBatchError.UnsupportedMagic && magic is 0 or 1 && length >= 14)
        {
            if (length > rest.Length - RecordBatchHeader.LogOverhead)
                return null;
            entrySize = RecordBatchHeader.LogOverhead + length;
            last = Bound(next, BinaryPrimitives.ReadInt64BigEndian(rest), rest[entrySize..], highWatermark);
            reason = $"message format v{magic} (before Kafka 0.11) is not supported";
        }
        else if (error == RecordBatchError.InvalidLength && rest.Length >= RecordBatchHeader.LastOffsetDeltaOffset + 4)
        {
            long baseOffset = BinaryPrimitives.ReadInt64BigEndian(rest);
            int delta = BinaryPrimitives.ReadInt32BigEndian(rest[RecordBatchHeader.LastOffsetDeltaOffset..]);
            if (delta >= 0 && baseOffset + delta >= next)
                last = Bound(next, baseOffset + delta, [], highWatermark);
            reason = $"batchLength {length} is smaller than a batch header";
        }
        else
        {
            reason = error == RecordBatchError.UnsupportedMagic ? $"magic byte {magic} is not a known message format" : $"unreadable batch header ({error})";
        }
        var bytes = entrySize > 0 ? memory[..entrySize].ToArray() : ReadOnlyMemory<byte>.Empty;
        return new RecordBatchDecodeException(tp, next, last, error, reason, bytes);
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
            _resolveErrors.Succeed();
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException)
        {
            if (!_stop.IsCancellationRequested)
            {
                if (_resolveErrors.Fail())
                    _logger.LogWarning("Resolving start offsets of {Partitions} failed {Failures} times in a row: {Error}; retrying every {Backoff} ms",
                        string.Join(", ", states.ConvertAll(s => s.TopicPartition)), _resolveErrors.Count, ex.Message, _options.RetryBackoffMs);
                else
                    _logger.LogDebug("Resolving start offsets failed: {Error}", ex.Message);
                if (ex is KafkaException kafka)
                    RecordFailure(states, "Looking up start offsets (OffsetFetch/ListOffsets)", kafka.ErrorCode, kafka.Message);
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
