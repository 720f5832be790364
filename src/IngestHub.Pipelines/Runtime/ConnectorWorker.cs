using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using IngestHub.Client;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Pipelines.Runtime;

/// <summary>
/// One group member of a connector: consume a batch (up to batch.size records or linger.ms), decode and filter
/// it, hand the events to the sink, dead-letter what failed, and only then commit the batch's offsets. While the
/// sink is unavailable the batch is retried with capped exponential backoff and jitter and the member's partitions
/// are paused, so memory stays bounded and nothing is skipped. A rebalance waits for the batch in hand to be
/// delivered and committed before the partitions move.
/// <para>A fetched record batch that cannot be decoded (<see cref="RecordBatchDecodeException"/>) joins the batch in
/// hand as a failed offset range: with errors.tolerance=all it is dead-lettered (the raw batch, one letter) and
/// committed past like any failed record; with none the connector fails naming the partition and range, and nothing
/// of the batch in hand is committed.</para>
/// </summary>
internal sealed class ConnectorWorker : IConnectorWorker
{
    private readonly Connector _connector;
    private readonly ConnectorSettings _settings;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _batchGate = new(1, 1);
    private volatile string? _lastError;
    private volatile ConnectorState _state = ConnectorState.Unassigned;
    [SuppressMessage("Reliability", "CA2213:Disposable fields should be disposed",
        Justification = "A view for Status(); RunAsync owns the consumer (await using)")]
    private KafkaConsumer? _consumer;

    public ConnectorWorker(int id, Connector connector, ILogger logger)
    {
        Id = id;
        _connector = connector;
        _settings = connector.Settings;
        _logger = logger;
    }

    public int Id { get; }

    public WorkerStatus Status()
    {
        var consumer = _consumer;
        var partitions = new List<string>();
        if (consumer is not null)
        {
            foreach (var tp in consumer.Assignment)
                partitions.Add(tp.Topic + "-" + tp.Partition.ToString(CultureInfo.InvariantCulture));
            partitions.Sort(StringComparer.Ordinal);
        }
        return new WorkerStatus(Id, _state, consumer?.MemberId ?? "", partitions, _lastError ?? (consumer?.GroupError is { } group ? "consumer group: " + group : null));
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled (then the batch in hand is finished and committed,
    /// unless <paramref name="abort"/> fires first) or the connector fails.</summary>
    public async Task RunAsync(IReadOnlyList<string> topics, CancellationToken stop, CancellationToken abort)
    {
        var options = _connector.ConsumerOptions($"{_settings.Name}-worker-{Id}");
        await using var consumer = new KafkaConsumer(options, _connector.LoggerFactory.CreateLogger<KafkaConsumer>());
        _consumer = consumer;
        consumer.PartitionsRevokedAsync = OnPartitionsRevokedAsync;
        consumer.Subscribe(topics);
        _state = ConnectorState.Running;
        var batch = new List<ConsumeResult>(_settings.BatchSize);
        var undecodable = new List<RecordBatchDecodeException>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (_connector.IsPaused)
                {
                    await WaitWhilePausedAsync(consumer, stop);
                    continue;
                }
                batch.Clear();
                undecodable.Clear();
                // The gate is taken before the first record is consumed, so a rebalance never finds a record in hand
                // that is outside the gate: it waits for this batch (at most the 200 ms poll when idle), and records
                // of partitions it revokes are not handed out afterwards.
                await _batchGate.WaitAsync(abort);
                try
                {
                    ConsumeResult? first = null;
                    try
                    {
                        first = await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(200), stop);
                    }
                    catch (RecordBatchDecodeException ex)
                    {
                        undecodable.Add(ex);
                    }
                    if (first is null && undecodable.Count == 0)
                        continue;
                    if (_connector.IsPaused)
                    {
                        // Paused while waiting for this record: put it back so it is consumed after resume.
                        var back = first is not null ? new TopicPartitionOffset(first.TopicPartition, first.Offset) : new TopicPartitionOffset(undecodable[0].TopicPartition, undecodable[0].FirstOffset);
                        consumer.Seek(back.TopicPartition, back.Offset);
                        continue;
                    }
                    if (first is not null)
                        batch.Add(first);
                    await FillAsync(consumer, batch, undecodable, stop);
                    if (!await ProcessBatchAsync(consumer, batch, undecodable, abort))
                        return; // the connector failed (errors.tolerance=none)
                }
                finally
                {
                    _batchGate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested || abort.IsCancellationRequested)
        {
        }
        finally
        {
            _state = ConnectorState.Stopped;
            _consumer = null;
        }
    }

    private async Task WaitWhilePausedAsync(KafkaConsumer consumer, CancellationToken stop)
    {
        _state = ConnectorState.Paused;
        while (_connector.IsPaused && !stop.IsCancellationRequested)
        {
            // Keep pausing: a rebalance may hand this member new partitions while the connector is paused.
            consumer.Pause(consumer.Assignment);
            try
            {
                await _connector.WaitForResumeAsync(TimeSpan.FromMilliseconds(500), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
        }
        consumer.Resume(consumer.Assignment);
        _state = ConnectorState.Running;
    }

    private async Task FillAsync(KafkaConsumer consumer, List<ConsumeResult> batch, List<RecordBatchDecodeException> undecodable, CancellationToken stop)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_settings.LingerMs * (Stopwatch.Frequency / 1000.0));
        while (batch.Count + undecodable.Count < _settings.BatchSize)
        {
            long remaining = deadline - Stopwatch.GetTimestamp();
            if (remaining <= 0)
                break;
            ConsumeResult? next;
            try
            {
                next = await consumer.ConsumeAsync(TimeSpan.FromTicks((long)(remaining * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency))), stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break; // stopping: deliver and commit what is in hand
            }
            catch (RecordBatchDecodeException ex)
            {
                undecodable.Add(ex);
                continue;
            }
            if (next is null)
                break;
            batch.Add(next);
        }
    }

    /// <summary>Decode, filter, deliver, dead-letter, commit. Returns false when the connector must stop as FAILED.</summary>
    private async Task<bool> ProcessBatchAsync(KafkaConsumer consumer, List<ConsumeResult> batch, List<RecordBatchDecodeException> undecodable,
        CancellationToken abort)
    {
        var counters = _connector.Counters;
        var metrics = _connector.Metrics;
        var tag = _connector.MetricTag;
        long undecodableOffsets = 0;
        foreach (var failure in undecodable)
            undecodableOffsets += failure.OffsetCount;
        counters.AddIn(batch.Count + undecodableOffsets);
        metrics.EventsIn.Add(batch.Count + undecodableOffsets, tag);

        var events = new List<LogEvent>(batch.Count);
        var origins = new List<ConsumeResult>(batch.Count);
        var deadLetters = new List<DeadLetter>(undecodable.Count);
        foreach (var failure in undecodable)
        {
            counters.AddUndecodableBatch();
            deadLetters.Add(DeadLetter.ForBatch(failure));
        }
        int filtered = 0;
        foreach (var record in batch)
        {
            RecordOutcome outcome;
            int before = events.Count;
            try
            {
                outcome = _connector.Processor.Process(record, events);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                events.RemoveRange(before, events.Count - before);
                outcome = RecordOutcome.Failure("filter", ex.GetType().Name + ": " + ex.Message);
            }
            if (outcome.Failed)
                deadLetters.Add(new DeadLetter(record, outcome.FailedStage!, "decode", outcome.FailureReason ?? "unknown"));
            filtered += outcome.Dropped;
            for (int i = before; i < events.Count; i++)
                origins.Add(record);
        }
        counters.AddFiltered(filtered);
        metrics.Filtered.Add(filtered, tag);

        if (deadLetters.Count > 0 && !_settings.TolerateErrors)
            return FailOn(deadLetters);

        if (events.Count > 0)
        {
            var result = await DeliverAsync(consumer, events, abort);
            foreach (var rejection in result.Rejected)
                deadLetters.Add(new DeadLetter(origins[rejection.Index], "sink", rejection.ErrorType, rejection.Reason));
            int delivered = events.Count - result.Rejected.Count;
            counters.AddOut(delivered);
            metrics.EventsOut.Add(delivered, tag);
        }

        if (deadLetters.Count > 0)
        {
            long failed = OffsetsOf(deadLetters);
            metrics.Failed.Add(failed, tag);
            if (!_settings.TolerateErrors)
                return FailOn(deadLetters);
            counters.AddFailed(failed);
            await DeadLetterAsync(deadLetters, abort);
        }

        await CommitAsync(consumer, batch, undecodable, abort);
        counters.AddBatch();
        return true;
    }

    /// <summary>errors.tolerance=none: stop the connector; the batch is not committed, so nothing is skipped.</summary>
    private bool FailOn(List<DeadLetter> deadLetters)
    {
        var first = deadLetters[0];
        _connector.Counters.AddFailed(OffsetsOf(deadLetters));
        var record = first.Record;
        string where = first.LastOffset is { } last
            ? $"{record.Topic}-{record.Partition}@{record.Offset}..{last} (a record batch that cannot be decoded: {first.ErrorType})"
            : $"{record.Topic}-{record.Partition}@{record.Offset}";
        _connector.Fail($"{first.Stage} failed on {where}: {first.Reason} (errors.tolerance=none)");
        return false;
    }

    private static long OffsetsOf(List<DeadLetter> letters)
    {
        long total = 0;
        foreach (var letter in letters)
            total += letter.OffsetCount;
        return total;
    }

    private async Task<SinkWriteResult> DeliverAsync(KafkaConsumer consumer, List<LogEvent> events, CancellationToken abort)
    {
        int attempt = 0;
        bool paused = false;
        try
        {
            while (true)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var result = await _connector.Sink.WriteAsync(events, abort);
                    _connector.Metrics.SinkLatency.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _connector.MetricTag);
                    _connector.Metrics.BatchSize.Record(events.Count, _connector.MetricTag);
                    if (attempt > 0)
                    {
                        _logger.LogInformation("Connector {Connector} worker {Worker}: sink recovered after {Attempts} retries", _settings.Name, Id, attempt);
                        _lastError = null;
                        _connector.ClearError();
                    }
                    return result;
                }
                catch (SinkUnavailableException ex)
                {
                    if (!paused)
                    {
                        consumer.Pause(consumer.Assignment);
                        paused = true;
                    }
                    var delay = Backoff.Delay(attempt++, _settings.RetryBackoffInitialMs, _settings.RetryBackoffMaxMs);
                    _lastError = ex.Message;
                    _connector.ReportError("sink unavailable: " + ex.Message);
                    _connector.Counters.AddRetry();
                    _logger.LogWarning("Connector {Connector} worker {Worker}: sink unavailable ({Reason}); retry {Attempt} in {Delay} ms",
                        _settings.Name, Id, ex.Message, attempt, (int)delay.TotalMilliseconds);
                    await Task.Delay(delay, abort);
                }
            }
        }
        finally
        {
            if (paused && !_connector.IsPaused)
                consumer.Resume(consumer.Assignment);
        }
    }

    private async Task DeadLetterAsync(List<DeadLetter> letters, CancellationToken abort)
    {
        int attempt = 0;
        while (true)
        {
            try
            {
                await _connector.DeadLetters.WriteAsync(letters, abort);
                long offsets = OffsetsOf(letters);
                _connector.Counters.AddDeadLettered(offsets);
                _connector.Metrics.DeadLettered.Add(offsets, _connector.MetricTag);
                _connector.RecordDeadLetters(letters);
                return;
            }
            catch (KafkaException ex)
            {
                var delay = Backoff.Delay(attempt++, _settings.RetryBackoffInitialMs, _settings.RetryBackoffMaxMs);
                _lastError = "dead-letter topic: " + ex.Message;
                _logger.LogWarning(ex, "Connector {Connector}: writing {Count} dead letters to {Topic} failed; retrying in {Delay} ms",
                    _settings.Name, letters.Count, _connector.DeadLetters.Topic, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, abort);
            }
        }
    }

    private async Task CommitAsync(KafkaConsumer consumer, List<ConsumeResult> batch, List<RecordBatchDecodeException> undecodable, CancellationToken abort)
    {
        var next = new Dictionary<TopicPartition, long>();
        foreach (var record in batch)
        {
            var tp = record.TopicPartition;
            if (!next.TryGetValue(tp, out long offset) || record.Offset + 1 > offset)
                next[tp] = record.Offset + 1;
        }
        foreach (var failure in undecodable)
        {
            var tp = failure.TopicPartition;
            if (!next.TryGetValue(tp, out long offset) || failure.LastOffset + 1 > offset)
                next[tp] = failure.LastOffset + 1;
        }
        var offsets = new List<TopicPartitionOffset>(next.Count);
        foreach (var (tp, offset) in next)
            offsets.Add(new TopicPartitionOffset(tp.Topic, tp.Partition, offset));
        try
        {
            await consumer.CommitAsync(offsets, abort);
            _connector.Metrics.Committed.Add(offsets.Count, _connector.MetricTag);
        }
        catch (KafkaException ex)
        {
            // The partitions moved before the commit landed: their new owner starts from the last committed offset,
            // so these records are delivered again (at-least-once), never lost.
            _logger.LogWarning("Connector {Connector} worker {Worker}: commit of {Count} partitions failed ({Error}); the batch will be redelivered",
                _settings.Name, Id, offsets.Count, ex.Message);
        }
    }

    /// <summary>Awaited on the consumer's membership task before partitions move: wait for the batch in hand to be
    /// delivered and committed (it commits inside the gate), bounded so a stuck sink cannot hold the group. The wait
    /// holds no thread.</summary>
    private async Task OnPartitionsRevokedAsync(IReadOnlyList<TopicPartition> partitions)
    {
        if (await _batchGate.WaitAsync(TimeSpan.FromMilliseconds(_settings.SessionTimeoutMs)))
            _batchGate.Release();
        else
            _logger.LogWarning("Connector {Connector} worker {Worker}: rebalance did not wait for a slow batch; it will be redelivered", _settings.Name, Id);
    }

    /// <summary>Call once <see cref="RunAsync"/> has ended (its consumer, whose revoke callback takes the gate, is closed by then).</summary>
    public void Dispose() => _batchGate.Dispose();
}
