using System.Diagnostics.CodeAnalysis;
using System.Diagnostics;
using System.Globalization;
using IngestHub.Client;
using Microsoft.Extensions.Logging;

namespace IngestHub.Pipelines.Runtime;

/// <summary>
/// A connector's group member in relay mode: reads a batch from the source topics, forwards every record unprocessed
/// to its spill topic (key, value, timestamp and headers as they were, plus the origin headers of
/// <see cref="SpillEnvelope"/>) through the connector's idempotent relay producer, and commits the source offsets only
/// once every spill write of the batch is acknowledged. A keyed record goes to the spill partition its key hashes to,
/// so one key's records stay in one spill partition in source order; records without a key are spread by offset.
/// A failed spill write is retried (with a fresh producer) from the start of the batch; nothing is committed before.
/// </summary>
internal sealed class RelayWorker : IConnectorWorker
{
    private const int MaxBatch = 5_000;
    private readonly Connector _connector;
    private readonly ConnectorSettings _settings;
    private readonly SpillRoute _route;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _batchGate = new(1, 1);
    private volatile string? _lastError;
    private volatile ConnectorState _state = ConnectorState.Unassigned;
    [SuppressMessage("Reliability", "CA2213:Disposable fields should be disposed",
        Justification = "A view for Status(); RunAsync owns the consumer (await using)")]
    private KafkaConsumer? _consumer;

    public RelayWorker(int id, Connector connector, SpillRoute route, ILogger logger)
    {
        Id = id;
        _connector = connector;
        _settings = connector.Settings;
        _route = route;
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

    public async Task RunAsync(IReadOnlyList<string> topics, CancellationToken stop, CancellationToken abort)
    {
        var options = _connector.ConsumerOptions($"{_settings.Name}-relay-{Id}");
        await using var consumer = new KafkaConsumer(options, _connector.LoggerFactory.CreateLogger<KafkaConsumer>());
        _consumer = consumer;
        consumer.PartitionsRevoked = OnPartitionsRevoked;
        consumer.Subscribe(topics);
        _state = ConnectorState.Running;
        int batchSize = Math.Clamp(_settings.BatchSize * 4, 1, MaxBatch);
        var batch = new List<ConsumeResult>(batchSize);
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
                // Gate before the first record, as in ConnectorWorker: a rebalance never finds a record in hand
                // outside the gate.
                await _batchGate.WaitAsync(abort);
                try
                {
                    var first = await consumer.ConsumeAsync(TimeSpan.FromMilliseconds(200), stop);
                    if (first is null)
                        continue;
                    batch.Add(first);
                    await FillAsync(consumer, batch, batchSize, stop);
                    await RelayAsync(consumer, batch, abort);
                    await CommitAsync(consumer, batch, abort);
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

    private async Task FillAsync(KafkaConsumer consumer, List<ConsumeResult> batch, int batchSize, CancellationToken stop)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_settings.LingerMs * (Stopwatch.Frequency / 1000.0));
        while (batch.Count < batchSize)
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
                break;
            }
            if (next is null)
                break;
            batch.Add(next);
        }
    }

    /// <summary>Writes the batch to the spill topics in order and returns once every record is acknowledged.</summary>
    private async Task RelayAsync(KafkaConsumer consumer, List<ConsumeResult> batch, CancellationToken abort)
    {
        int attempt = 0;
        bool paused = false;
        try
        {
            while (true)
            {
                var producer = _connector.RelayProducer();
                var pending = new Task<DeliveryResult>[batch.Count];
                try
                {
                    for (int i = 0; i < batch.Count; i++)
                    {
                        var record = batch[i];
                        string spill = _route.SpillTopicFor(record.Topic);
                        int? partition = record.Key is null ? await SpreadAsync(producer, spill, record, abort) : null;
                        pending[i] = producer.ProduceAsync(spill, record.Key, record.Value, SpillEnvelope.Headers(record), partition, record.Timestamp, abort);
                    }
                    await Task.WhenAll(pending);
                    _connector.Counters.AddRelayed(batch.Count);
                    if (attempt > 0)
                    {
                        _lastError = null;
                        _connector.ClearError();
                        _logger.LogInformation("Connector {Connector} relay {Worker}: spill writes recovered after {Attempts} retries", _settings.Name, Id, attempt);
                    }
                    return;
                }
                catch (KafkaException ex)
                {
                    // Some records of the batch may have been written: they are written again, in order, after this
                    // (a duplicate in the spill topic, never a gap). The producer is replaced so that nothing queued
                    // behind the failure is sent on its own.
                    await _connector.ResetRelayProducerAsync(producer);
                    if (!paused)
                    {
                        consumer.Pause(consumer.Assignment);
                        paused = true;
                    }
                    var delay = Backoff.Delay(attempt++, _settings.RetryBackoffInitialMs, _settings.RetryBackoffMaxMs);
                    _lastError = "spill write failed: " + ex.Message;
                    _connector.ReportError(_lastError);
                    _connector.Counters.AddRetry();
                    _logger.LogWarning("Connector {Connector} relay {Worker}: writing {Count} records to the spill topic failed ({Error}); retry {Attempt} in {Delay} ms",
                        _settings.Name, Id, batch.Count, ex.Message, attempt, (int)delay.TotalMilliseconds);
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

    /// <summary>A record without a key has no order to keep beyond its partition's: spread such records over the
    /// spill partitions by offset.</summary>
    private static async ValueTask<int> SpreadAsync(KafkaProducer producer, string spillTopic, ConsumeResult record, CancellationToken abort)
    {
        int partitions = await producer.PartitionCountAsync(spillTopic, abort);
        return (int)((record.Offset + record.Partition * 7L) % partitions);
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
        }
        catch (KafkaException ex)
        {
            // The partitions moved first: their new owner relays these records again (a duplicate in the spill topic).
            _logger.LogWarning("Connector {Connector} relay {Worker}: commit of {Count} partitions failed ({Error}); the batch will be relayed again",
                _settings.Name, Id, offsets.Count, ex.Message);
        }
    }

    private void OnPartitionsRevoked(IReadOnlyList<TopicPartition> partitions)
    {
        if (_batchGate.Wait(TimeSpan.FromMilliseconds(_settings.SessionTimeoutMs)))
            _batchGate.Release();
        else
            _logger.LogWarning("Connector {Connector} relay {Worker}: rebalance did not wait for a slow batch; it will be relayed again", _settings.Name, Id);
    }

    public void Dispose() => _batchGate.Dispose();
}
