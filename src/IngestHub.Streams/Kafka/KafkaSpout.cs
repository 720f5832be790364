using System.Diagnostics;
using IngestHub.Client;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Kafka;

/// <summary>
/// A consumer-group member per task (IngestHub.Client, static membership <c>&lt;topology&gt;-&lt;component&gt;-&lt;task&gt;</c>)
/// emitting one tuple per record on the default stream: <c>topic, partition, offset, key, value, timestamp,
/// headers</c>, with the record as lineage. At least once: per partition only the contiguous prefix of done
/// offsets is committed (and never at or past an offset a stateful bolt still holds), every
/// <see cref="KafkaSpoutOptions.CommitPeriod"/> and when partitions are revoked. A failed record is retried with
/// exponential backoff while the others go on; after <see cref="KafkaSpoutRetry.MaxRetries"/> retries it is
/// written to the dead-letter topic and counts as done, so the commit moves past it.
/// </summary>
public sealed class KafkaSpout : BaseRichSpout, ISourceSpout, IPeriodicSpout, IDisposable
{
    public static readonly Fields OutputFields = new("topic", "partition", "offset", "key", "value", "timestamp", "headers");

    private static readonly long s_errorBackoff = Stopwatch.Frequency / 5;

    private readonly KafkaSpoutOptions _options;
    // Spout methods run on one thread; the lock keeps consumer callbacks (rebalances) and status readers out of the way.
    private readonly Lock _lock = new();
    private readonly Dictionary<TopicPartition, PartitionState> _partitions = [];
    private readonly HashSet<TopicPartition> _revoked = [];
    private readonly HashSet<TopicPartition> _assigned = [];
    private readonly PriorityQueue<KafkaMessage, long> _retries = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<(KafkaMessage Message, Exception? Error)> _deadLettered = new();
    private readonly CancellationTokenSource _stop = new();
    private ISpoutOutputCollector _collector = null!;
    private TopologyContext _context = null!;
    private KafkaConsumer? _consumer;
    private Task<ConsumeResult>? _consuming;
    private long _nextCommit;
    private long _consumeRetryAt;
    private long _commitPeriod;
    private string _groupId = "";

    public KafkaSpout(KafkaSpoutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Topics.Count == 0)
            throw new ArgumentException("a Kafka spout needs at least one topic", nameof(options));
        _options = options;
    }

    public string GroupId => _groupId.Length > 0 ? _groupId : _options.GroupId ?? "";

    public IReadOnlyList<string> Topics => _options.Topics;

    public KafkaSpoutOptions Options => _options;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(OutputFields);

    public override void Open(TopologyContext context, ISpoutOutputCollector collector)
    {
        _context = context;
        _collector = collector;
        _groupId = _options.GroupId ?? $"{context.TopologyName}-{context.ThisComponentId}";
        if (_options.BootstrapServers is null && context.Environment.BootstrapServers is null)
            throw new InvalidOperationException($"{context.ThisComponentId}: no bootstrap servers (set them on the spout or the topology environment)");
        _consumer = new KafkaConsumer(context.Environment.ClientOptions(new ConsumerOptions
        {
            GroupId = _groupId,
            GroupInstanceId = $"{context.TopologyName}-{context.ThisComponentId}-{context.ThisTaskIndex}",
            ClientId = $"ingesthub-topology-{context.TopologyName}-{context.ThisComponentId}-{context.ThisTaskIndex}",
            EnableAutoCommit = false,
            AutoOffsetReset = _options.StartFromEarliest ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest,
            SessionTimeoutMs = _options.SessionTimeoutMs,
        }, _options.BootstrapServers, _options.Connection), context.Environment.LoggerFactory.CreateLogger<KafkaConsumer>());
        _consumer.PartitionsRevoked = OnRevoked;
        _consumer.PartitionsAssigned = OnAssigned;
        _consumer.Subscribe(_options.Topics);
        _commitPeriod = (long)(_options.CommitPeriod.TotalSeconds * Stopwatch.Frequency);
        _nextCommit = Stopwatch.GetTimestamp() + _commitPeriod;
    }

    public override void NextTuple()
    {
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            DrainDeadLetters(now);
            if (_retries.TryPeek(out var due, out long at) && at <= now)
            {
                _retries.Dequeue();
                if (Owns(due))
                {
                    due.State.Retrying--;
                    Emit(due);
                    return;
                }
            }
            if (Take(now) is { } record)
                Accept(record);
        }
    }

    /// <summary>Every 100 ms, also while the spout is at max.spout.pending or paused (NextTuple is not called then):
    /// dead letters written, commits due.</summary>
    public TimeSpan Period => TimeSpan.FromMilliseconds(100);

    public void Periodic()
    {
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            DrainDeadLetters(now);
            if (now >= _nextCommit)
            {
                _nextCommit = now + _commitPeriod;
                Commit();
            }
            ReportProgress(_partitions.Values);
        }
    }

    private void ReportProgress(IEnumerable<PartitionState> states)
    {
        var board = _context.Topology.SourcePartitions;
        foreach (var state in states)
        {
            long frontier = state.Tracker.Committable();
            long next = state.Tracker.LastEmitted + 1;
            if (frontier < 0)
                frontier = next = state.Committed;
            board.Report(state.Partition, frontier, next);
        }
    }

    /// <summary>The next consumed record if one is ready; never waits.</summary>
    private ConsumeResult? Take(long now)
    {
        if (now < _consumeRetryAt)
            return null;
        if (_consuming is null)
        {
            var next = _consumer!.ConsumeAsync(_stop.Token);
            if (next.IsCompletedSuccessfully)
                return next.Result;
            _consuming = next.AsTask();
        }
        if (!_consuming.IsCompleted)
            return null;
        var task = _consuming;
        _consuming = null;
        if (task.IsCompletedSuccessfully)
            return task.Result;
        if (!_stop.IsCancellationRequested)
        {
            _collector.ReportError(task.Exception?.GetBaseException() ?? new InvalidOperationException("consume was cancelled"));
            _consumeRetryAt = now + s_errorBackoff;
        }
        return null;
    }

    private void Accept(ConsumeResult record)
    {
        var tp = record.TopicPartition;
        if (_revoked.Contains(tp))
        {
            // Consumed between our revoke callback and the consumer dropping the partition: give it back.
            TrySeek(tp, record.Offset);
            return;
        }
        if (!_partitions.TryGetValue(tp, out var state))
        {
            // The first record of an assignment must be the one the consumer just handed out for it. A record
            // consumed before the partition was lost (a session that expired while this thread was starved) and
            // taken only after the partition came back would start the new assignment past the records between
            // the committed offset and it: they would be skipped as "already emitted" and the frontier (so the
            // window watermark and the commit) would pass them. The consumer reads the partition again from the
            // committed offset, this record included, so it is dropped here.
            if (_consumer!.Position(tp) != record.Offset + 1)
            {
                _context.Logger.LogInformation("Kafka spout {Component}: dropped {Topic}-{Partition}@{Offset}, consumed before the partition was reassigned; it is read again from the committed offset",
                    _context.ThisComponentId, record.Topic, record.Partition, record.Offset);
                return;
            }
            state = new PartitionState(tp, record.Offset);
            _partitions[tp] = state;
        }
        if (record.Offset <= state.Tracker.LastEmitted)
            return; // already emitted in this assignment (a seek back); its tuple is tracked already
        state.Tracker.Emitted(record.Offset);
        var message = new KafkaMessage(record, state, new TupleSource(record.Topic, record.Partition, record.Offset));
        Emit(message);
        if (!state.Paused && state.Tracker.Count >= _options.MaxUncommittedOffsets)
        {
            state.Paused = true;
            _consumer!.Pause([tp]);
        }
    }

    private void Emit(KafkaMessage message)
    {
        var r = message.Record;
        message.State.Pending++;
        _collector.Emit(TopologyConstants.DefaultStream, new Values(r.Topic, r.Partition, r.Offset, r.Key, r.Value, r.Timestamp, r.Headers), message, message.Source);
    }

    public override void Ack(object messageId)
    {
        lock (_lock)
        {
            var message = (KafkaMessage)messageId;
            if (!Owns(message))
                return;
            message.State.Pending--;
            Done(message);
        }
    }

    public override void Fail(object messageId)
    {
        lock (_lock)
        {
            var message = (KafkaMessage)messageId;
            if (!Owns(message))
                return;
            var state = message.State;
            state.Pending--;
            message.Failures++;
            if (message.Failures > _options.Retry.MaxRetries)
            {
                DeadLetter(message);
                return;
            }
            state.Retrying++;
            long due = Stopwatch.GetTimestamp() + (long)(_options.Retry.DelayAfter(message.Failures).TotalSeconds * Stopwatch.Frequency);
            _retries.Enqueue(message, due);
        }
    }

    private void DeadLetter(KafkaMessage message)
    {
        message.State.DeadLettering++;
        var r = message.Record;
        string reason = $"the tuple tree of {r.Topic}-{r.Partition}@{r.Offset} failed {message.Failures} times (retries exhausted)";
        _context.DeadLetters.WriteAsync(r, _context.ThisComponentId, "spout", "retries-exhausted", reason, _options.DeadLetterTopic)
            .ContinueWith(t => _deadLettered.Enqueue((message, t.Exception?.GetBaseException())), TaskScheduler.Default);
    }

    private void DrainDeadLetters(long now)
    {
        while (_deadLettered.TryDequeue(out var outcome))
        {
            var message = outcome.Message;
            message.State.DeadLettering--;
            if (!Owns(message))
                continue;
            if (outcome.Error is null)
            {
                message.State.DeadLettered++;
                _context.Logger.LogWarning("Record {Topic}-{Partition}@{Offset} failed {Failures} times and was written to the dead-letter topic {DeadLetterTopic}",
                    message.Record.Topic, message.Record.Partition, message.Record.Offset, message.Failures, _options.DeadLetterTopic ?? _context.DeadLetters.Topic);
                Done(message);
            }
            else
            {
                // Not written: keep the offset uncommitted and try again after the longest backoff.
                _collector.ReportError(new InvalidOperationException($"writing {message.Record.Topic}-{message.Record.Partition}@{message.Record.Offset} to the dead-letter topic failed: {outcome.Error.Message}", outcome.Error));
                message.State.Retrying++;
                message.Failures = _options.Retry.MaxRetries;
                _retries.Enqueue(message, now + (long)(_options.Retry.MaxDelay.TotalSeconds * Stopwatch.Frequency));
            }
        }
    }

    private void Done(KafkaMessage message)
    {
        var state = message.State;
        state.Tracker.Done(message.Record.Offset);
        if (state.Paused && state.Tracker.Count < _options.MaxUncommittedOffsets / 2)
        {
            // Committable() drops the done head; the count only shrinks there.
            state.Tracker.Committable();
            if (state.Tracker.Count < _options.MaxUncommittedOffsets / 2)
            {
                state.Paused = false;
                _consumer!.Resume([state.Partition]);
            }
        }
    }

    private bool Owns(KafkaMessage message) =>
        _partitions.TryGetValue(message.State.Partition, out var state) && ReferenceEquals(state, message.State);

    /// <summary>Commits every partition's done prefix, bounded by the offsets stateful bolts still hold (their
    /// progress is persisted first). Failures are reported and retried at the next period.</summary>
    private void Commit(IEnumerable<PartitionState>? only = null)
    {
        if (_consumer is null)
            return;
        IReadOnlyDictionary<TopicPartition, long> holds;
        try
        {
            holds = _context.Topology.Progress.HasHolds ? _context.Topology.Progress.PrepareCommit() : new Dictionary<TopicPartition, long>();
        }
        catch (IOException ex)
        {
            _collector.ReportError(new IOException($"not committing: the topology's progress could not be saved: {ex.Message}", ex));
            return;
        }
        var offsets = new List<TopicPartitionOffset>();
        var committed = new List<(PartitionState State, long Offset)>();
        foreach (var state in only ?? _partitions.Values)
        {
            long next = state.Tracker.Committable();
            if (next < 0)
                continue;
            if (holds.TryGetValue(state.Partition, out long held))
                next = Math.Min(next, held);
            if (next <= state.Committed)
                continue;
            offsets.Add(new TopicPartitionOffset(state.Partition, next));
            committed.Add((state, next));
        }
        if (offsets.Count == 0)
            return;
        try
        {
            _consumer.CommitAsync(offsets, _stop.Token).GetAwaiter().GetResult();
            foreach (var (state, offset) in committed)
                state.Committed = offset;
        }
        catch (Exception ex) when (ex is KafkaException or OperationCanceledException or IOException)
        {
            if (!_stop.IsCancellationRequested)
                _collector.ReportError(new InvalidOperationException($"committing offsets of group {GroupId} failed: {ex.Message}", ex));
        }
    }

    /// <summary>Before partitions move to another member: stop emitting from them, let their tuples in flight
    /// complete (bounded), commit what is done, and forget them (their new owner reads on from the commit).</summary>
    private void OnRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        List<PartitionState> leaving;
        lock (_lock)
        {
            foreach (var tp in partitions)
                _revoked.Add(tp);
            leaving = [.. partitions.Where(_partitions.ContainsKey).Select(p => _partitions[p])];
        }
        // Acks keep arriving on the spout's thread meanwhile; waiting here only delays the rebalance.
        var deadline = DateTime.UtcNow + RevokeDrain;
        while (DateTime.UtcNow < deadline && !_stop.IsCancellationRequested)
        {
            lock (_lock)
            {
                if (leaving.TrueForAll(s => s.Pending == 0 && s.DeadLettering == 0))
                    break;
            }
            Thread.Sleep(5);
        }
        lock (_lock)
        {
            Commit(leaving);
            ReportProgress(leaving);
            foreach (var tp in partitions)
            {
                _partitions.Remove(tp);
                _assigned.Remove(tp);
            }
        }
    }

    private static readonly TimeSpan RevokeDrain = TimeSpan.FromSeconds(5);

    private void OnAssigned(IReadOnlyList<TopicPartition> partitions)
    {
        _context.Topology.SourcePartitions.Publish(partitions);
        lock (_lock)
        {
            foreach (var tp in partitions)
            {
                _revoked.Remove(tp);
                _assigned.Add(tp);
            }
        }
    }

    private void TrySeek(TopicPartition tp, long offset)
    {
        try
        {
            _consumer!.Seek(tp, offset);
        }
        catch (InvalidOperationException)
        {
            // Not assigned any more: its new owner reads it from the committed offset.
        }
    }

    public override void Close()
    {
        lock (_lock)
            Commit();
        _stop.Cancel();
        try
        {
            _consumer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is KafkaException or IOException or OperationCanceledException)
        {
            _context.Logger.LogWarning("Kafka spout {Component}: closing the consumer failed: {Error}", _context.ThisComponentId, ex.Message);
        }
        _consumer = null;
    }

    /// <summary>Closes the consumer if <see cref="Close"/> did not run (a task that never finished opening).</summary>
    public void Dispose()
    {
        if (_consumer is not null)
            Close();
        _stop.Dispose();
    }

    public IReadOnlyList<SourcePartitionStatus> Partitions()
    {
        lock (_lock)
        {
            var result = new List<SourcePartitionStatus>();
            foreach (var tp in _assigned.Union(_partitions.Keys).OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition))
            {
                result.Add(_partitions.TryGetValue(tp, out var s)
                    ? new SourcePartitionStatus(tp.Topic, tp.Partition, s.Committed, s.Tracker.LastEmitted, s.Pending, s.Retrying + s.DeadLettering, s.DeadLettered, s.Paused)
                    : new SourcePartitionStatus(tp.Topic, tp.Partition, -1, -1, 0, 0, 0, false));
            }
            return result;
        }
    }

    private sealed class PartitionState(TopicPartition partition, long firstOffset)
    {
        public TopicPartition Partition { get; } = partition;

        public OffsetTracker Tracker { get; } = new();

        /// <summary>Next offset committed (or, before the first commit, the first offset consumed in this assignment).</summary>
        public long Committed { get; set; } = firstOffset;

        public int Pending { get; set; }

        public int Retrying { get; set; }

        public int DeadLettering { get; set; }

        public long DeadLettered { get; set; }

        public bool Paused { get; set; }
    }

    private sealed class KafkaMessage(ConsumeResult record, PartitionState state, TupleSource source)
    {
        public ConsumeResult Record { get; } = record;

        public PartitionState State { get; } = state;

        public TupleSource Source { get; } = source;

        public int Failures { get; set; }

        public override string ToString() => Source.ToString();
    }
}
