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
/// </summary>
internal sealed class ConnectorWorker : IDisposable
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
        return new WorkerStatus(Id, _state, consumer?.MemberId ?? "", partitions, _lastError);
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled (then the batch in hand is finished and committed,
    /// unless <paramref name="abort"/> fires first) or the connector fails.</summary>
    public async Task RunAsync(IReadOnlyList<string> topics, CancellationToken stop, CancellationToken abort)
    {
        var options = _connector.ConsumerOptions($"{_settings.Name}-worker-{Id}");
        await using var consumer = new KafkaConsumer(options, _connector.LoggerFactory.CreateLogger<KafkaConsumer>());
        _consumer = consumer;
        consumer.PartitionsRevoked = OnPartitionsRevoked;
        consumer.Subscribe(topics);
        _state = ConnectorState.Running;
        var batch = new List<ConsumeResult>(_settings.BatchSize);
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
                var first = await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(200), stop);
                if (first is null)
                    continue;
                if (_connector.IsPaused)
                {
                    // Paused while waiting for this record: put it back so it is consumed after resume.
                    consumer.Seek(first.TopicPartition, first.Offset);
                    continue;
                }
                await _batchGate.WaitAsync(abort);
                try
                {
                    batch.Add(first);
                    await FillAsync(consumer, batch, stop);
                    if (!await ProcessBatchAsync(consumer, batch, abort))
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

    private async Task FillAsync(KafkaConsumer consumer, List<ConsumeResult> batch, CancellationToken stop)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_settings.LingerMs * (Stopwatch.Frequency / 1000.0));
        while (batch.Count < _settings.BatchSize)
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
            if (next is null)
                break;
            batch.Add(next);
        }
    }

    /// <summary>Decode, filter, deliver, dead-letter, commit. Returns false when the connector must stop as FAILED.</summary>
    private async Task<bool> ProcessBatchAsync(KafkaConsumer consumer, List<ConsumeResult> batch, CancellationToken abort)
    {
        var counters = _connector.Counters;
        var metrics = _connector.Metrics;
        var tag = _connector.MetricTag;
        counters.AddIn(batch.Count);
        metrics.EventsIn.Add(batch.Count, tag);

        var events = new List<LogEvent>(batch.Count);
        var origins = new List<ConsumeResult>(batch.Count);
        var deadLetters = new List<DeadLetter>();
        int filtered = 0;
        foreach (var record in batch)
        {
            RecordOutcome outcome;
            try
            {
                outcome = _connector.Processor.Process(record);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                outcome = RecordOutcome.Failure("filter", ex.GetType().Name + ": " + ex.Message);
            }
            if (outcome.Failed)
                deadLetters.Add(new DeadLetter(record, outcome.FailedStage!, "decode", outcome.FailureReason ?? "unknown"));
            filtered += outcome.Dropped;
            foreach (var e in outcome.Events)
            {
                events.Add(e);
                origins.Add(record);
            }
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
            metrics.Failed.Add(deadLetters.Count, tag);
            if (!_settings.TolerateErrors)
                return FailOn(deadLetters);
            counters.AddFailed(deadLetters.Count);
            await DeadLetterAsync(deadLetters, abort);
        }

        await CommitAsync(consumer, batch, abort);
        counters.AddBatch();
        return true;
    }

    /// <summary>errors.tolerance=none: stop the connector; the batch is not committed, so nothing is skipped.</summary>
    private bool FailOn(List<DeadLetter> deadLetters)
    {
        var first = deadLetters[0];
        _connector.Counters.AddFailed(deadLetters.Count);
        _connector.Fail($"{first.Stage} failed on {first.Record.Topic}-{first.Record.Partition}@{first.Record.Offset}: {first.Reason} (errors.tolerance=none)");
        return false;
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
                _connector.Counters.AddDeadLettered(letters.Count);
                _connector.Metrics.DeadLettered.Add(letters.Count, _connector.MetricTag);
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

    private async Task CommitAsync(KafkaConsumer consumer, List<ConsumeResult> batch, CancellationToken abort)
    {
        var next = new Dictionary<TopicPartition, long>();
        foreach (var record in batch)
        {
            var tp = record.TopicPartition;
            if (!next.TryGetValue(tp, out long offset) || record.Offset + 1 > offset)
                next[tp] = record.Offset + 1;
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

    /// <summary>Runs on the consumer's membership task before partitions move: wait for the batch in hand to be
    /// delivered and committed (it commits inside the gate), bounded so a stuck sink cannot hold the group.</summary>
    private void OnPartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        if (_batchGate.Wait(TimeSpan.FromMilliseconds(_settings.SessionTimeoutMs)))
            _batchGate.Release();
        else
            _logger.LogWarning("Connector {Connector} worker {Worker}: rebalance did not wait for a slow batch; it will be redelivered", _settings.Name, Id);
    }

    /// <summary>Call once <see cref="RunAsync"/> has ended (its consumer, whose revoke callback takes the gate, is closed by then).</summary>
    public void Dispose() => _batchGate.Dispose();
}
