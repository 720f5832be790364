using System.Diagnostics;
using System.Diagnostics.Metrics;
using IngestHub.Client;
using IngestHub.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Logging;

/// <summary>
/// Takes encoded events from the application's threads (never waiting), and sends them from one background loop
/// through an <see cref="KafkaProducer"/>. While the broker is unreachable events stay held (queued or in flight)
/// up to the queue's bounds and only the queue's drop policy loses any, counted exactly. Its own diagnostics go to
/// the other logging providers (categories under <c>IngestHub.</c> are never shipped), so it never logs into itself.
/// </summary>
internal sealed class LogShipper : IAsyncDisposable, IDisposable
{
    public const string MeterName = "IngestHub.Logging";
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(250);

    // Set in the send loop's execution context, which flows into everything started from it (the producer's loops, its
    // connections, delivery callbacks): a log call there is dropped instead of feeding back into the queue.
    private static readonly AsyncLocal<bool> Shipping = new();

    private readonly IngestHubLoggerOptions _options;
    private readonly LogQueue _queue;
    private readonly Meter _meter;
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private ILogger? _logger;
    private ILogger<KafkaProducer>? _producerLogger;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2213:Disposable fields should be disposed",
        Justification = "Disposed in DisposeAsync with the shutdown time limit (WaitAsync), which the analyzer does not follow.")]
    private KafkaProducer? _producer;
    private int _disposed;
    private long _lastReportedDropped;
    private long _lastReportMs;
    private long _lastSendWarningMs = long.MinValue;

    public LogShipper(IngestHubLoggerOptions options, ILoggerFactory? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Topic);
        _options = options;
        Diagnostics = diagnostics;
        _queue = new LogQueue(options.QueueCapacity, options.QueueBytesLimit, options.QueueFullMode);
        _meter = new Meter(MeterName);
        var reasons = new (string Reason, Func<LogShippingStatistics, long> Value)[]
        {
            ("queue_full", s => s.DroppedQueueFull),
            ("oversize", s => s.DroppedOversize),
            ("rejected", s => s.DroppedRejected),
            ("invalid", s => s.DroppedInvalid),
            ("shutdown", s => s.DroppedAtShutdown),
        };
        _meter.CreateObservableCounter("ingesthub.logging.events.dropped", () =>
        {
            var stats = Statistics;
            var measurements = new Measurement<long>[reasons.Length];
            for (int i = 0; i < reasons.Length; i++)
                measurements[i] = new Measurement<long>(reasons[i].Value(stats), new KeyValuePair<string, object?>("reason", reasons[i].Reason));
            return measurements;
        }, "{event}", "Log events dropped by the IngestHub logging provider, by reason");
        _meter.CreateObservableCounter("ingesthub.logging.events.sent", () => Statistics.Sent, "{event}", "Log events acknowledged by the broker");
        _meter.CreateObservableUpDownCounter("ingesthub.logging.queue.events", () => { var s = Statistics; return s.Queued + s.InFlight; },
            "{event}", "Log events held (queued or in flight)");
        _lastReportMs = Environment.TickCount64;
        _loop = Task.Run(RunAsync);
    }

    public IngestHubLoggerOptions Options => _options;

    /// <summary>Where the shipper's own warnings (and the client's logs) go: the host's logger factory, known once the
    /// factory exists (the provider is built while the factory is). Loggers are taken from it at once: at shutdown
    /// the factory is disposed before its providers.</summary>
    public ILoggerFactory? Diagnostics
    {
        set
        {
            if (value is null || _logger is not null)
                return;
            _producerLogger = value.CreateLogger<KafkaProducer>();
            _logger = value.CreateLogger("IngestHub.Logging");
        }
    }

    public LogShippingStatistics Statistics => _queue.Statistics();

    /// <summary>True on threads doing the shipper's own work; log calls there are not shipped.</summary>
    public static bool IsShippingThread => Shipping.Value;

    /// <summary>Hands an encoded event over; never waits. Takes ownership of the buffer.</summary>
    public void Enqueue(in EncodedEvent item)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            item.Return();
            _queue.CountRefused(oversize: false);
            return;
        }
        if (item.ValueLength > _options.MaxEventBytes)
        {
            item.Return();
            _queue.CountRefused(oversize: true);
            return;
        }
        _queue.Enqueue(item);
    }

    /// <summary>Counts an event whose encoding failed (a throwing formatter or property).</summary>
    public void CountInvalid() => _queue.CountRefused(oversize: false);

    /// <summary>Waits until everything handed over so far is acknowledged (or dropped), or the token fires.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var stats = Statistics;
            if (stats.Queued == 0 && stats.InFlight == 0)
                return;
            if (_producer is { } producer && stats.Queued == 0)
                await producer.FlushAsync(cancellationToken);
            else
                await Task.Delay(10, cancellationToken);
        }
    }

    private async Task RunAsync()
    {
        Shipping.Value = true;
        var batch = new List<EncodedEvent>(_options.BatchSize);
        while (!_abort.IsCancellationRequested)
        {
            try
            {
                ReportDrops();
                batch.Clear();
                if (_queue.TakeBatch(batch, _options.BatchSize, _options.MaxInFlight) == 0)
                {
                    var stats = Statistics;
                    if (_stopRequested.Task.IsCompleted && stats.Queued == 0 && stats.InFlight == 0)
                        return;
                    if (_stopRequested.Task.IsCompleted && stats.Queued == 0)
                        await FlushProducerAsync();
                    else
                        await WaitAsync();
                    continue;
                }
                // Created with the first events: by then a logger exists, so the host's logger factory is known.
                _producer ??= new KafkaProducer(ProducerOptions(), _producerLogger);
                await SendAsync(batch);
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A fault here must not take the application down or stop shipping: what was taken is held again.
                if (batch.Count > 0 && ex is not KafkaException)
                    Logger.LogWarning(ex, "IngestHub log shipping failed unexpectedly; retrying");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _abort.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private ILogger Logger => _logger ?? NullLogger.Instance;

    private Task WaitAsync() => _queue.WaitAsync(IdleWait, _abort.Token);

    private async Task FlushProducerAsync()
    {
        try
        {
            await _producer!.FlushAsync(_abort.Token);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(List<EncodedEvent> batch)
    {
        var producer = _producer!;
        int sent = 0;
        try
        {
            for (; sent < batch.Count; sent++)
            {
                var item = batch[sent];
                var delivery = new Delivery(this, item.Key.ToArray(), item.Value.ToArray());
                // Produce waits only for metadata (an unknown topic while the broker is unreachable): buffer.memory is
                // sized above the queue's byte bound, so it never fills.
                producer.Produce(_options.Topic, delivery.Key, delivery.Value, delivery.Report);
                item.Return();
            }
        }
        catch (Exception ex) when (ex is KafkaException or ObjectDisposedException)
        {
            _queue.Requeue(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch)[sent..]);
            WarnSendFailure(ex);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), _abort.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void OnDelivered(Delivery delivery, DeliveryReport report)
    {
        int size = delivery.Key.Length + delivery.Value.Length;
        if (report.IsSuccess)
        {
            _queue.Complete(size, sent: true);
            return;
        }
        var error = report.Error!;
        if (error.IsRetriable && Volatile.Read(ref _disposed) == 0)
        {
            // Not delivered within delivery.timeout.ms (typically the broker is down): held again, at the head.
            _queue.Requeue([EncodedEvent.Copy(delivery.Key, delivery.Value)]);
            WarnSendFailure(error);
            return;
        }
        _queue.Complete(size, sent: false);
        WarnSendFailure(error);
    }

    private void WarnSendFailure(Exception error)
    {
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastSendWarningMs);
        if ((last != long.MinValue && now - last < (long)_options.DropReportInterval.TotalMilliseconds) || Interlocked.CompareExchange(ref _lastSendWarningMs, now, last) != last)
            return;
        var stats = Statistics;
        Logger.LogWarning("IngestHub log shipping to {Bootstrap} topic {Topic} is failing ({Error}); {Held} events held, retrying",
            _options.BootstrapServers, _options.Topic, error.Message, stats.Queued + stats.InFlight);
    }

    private void ReportDrops()
    {
        long now = Environment.TickCount64;
        if (now - _lastReportMs < (long)_options.DropReportInterval.TotalMilliseconds)
            return;
        _lastReportMs = now;
        var stats = Statistics;
        long dropped = stats.Dropped;
        if (dropped == _lastReportedDropped)
            return;
        Logger.LogWarning(
            "IngestHub logging dropped {Dropped} events in the last {Interval} ({Total} in all: queue full {QueueFull}, oversize {Oversize}, rejected {Rejected}, invalid {Invalid}); {Held} held",
            dropped - _lastReportedDropped, _options.DropReportInterval, dropped, stats.DroppedQueueFull, stats.DroppedOversize, stats.DroppedRejected,
            stats.DroppedInvalid, stats.Queued + stats.InFlight);
        _lastReportedDropped = dropped;
    }

    private ProducerOptions ProducerOptions() => new()
    {
        BootstrapServers = _options.BootstrapServers,
        ClientId = _options.ClientId,
        Acks = _options.Acks,
        EnableIdempotence = _options.Acks == Acks.All,
        LingerMs = _options.LingerMs,
        CompressionType = _options.Compression,
        BufferMemory = Math.Max(_options.QueueBytesLimit * 2, 8L * 1024 * 1024),
        MaxRequestSize = Math.Max(_options.MaxEventBytes + 4096, 1024 * 1024),
        MaxBlockMs = 2_000,
        DeliveryTimeoutMs = 30_000,
    };

    /// <summary>Sends what is held within <see cref="IngestHubLoggerOptions.ShutdownTimeout"/>, then stops; events still
    /// held then are counted as dropped (reason <c>shutdown</c>) and reported.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        var watch = Stopwatch.StartNew();
        _stopRequested.TrySetResult();
        _abort.CancelAfter(_options.ShutdownTimeout);
        _queue.Wake();
        try
        {
            // A produce call blocked on metadata (max.block.ms) cannot be interrupted; the loop is not waited for past the limit.
            await _loop.WaitAsync(_options.ShutdownTimeout + TimeSpan.FromMilliseconds(100));
        }
        catch (TimeoutException)
        {
        }
        if (_producer is { } producer)
        {
            var left = _options.ShutdownTimeout - watch.Elapsed;
            try
            {
                // The producer's own dispose flushes without a limit; past the shutdown timeout it is abandoned.
                await producer.DisposeAsync().AsTask().WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            }
            catch (TimeoutException)
            {
            }
        }
        long abandoned = _queue.Abandon();
        if (abandoned > 0)
            Logger.LogWarning("IngestHub logging shut down with {Count} events not acknowledged by {Bootstrap} within {Timeout}; they are dropped",
                abandoned, _options.BootstrapServers, _options.ShutdownTimeout);
        _meter.Dispose();
        if (_loop.IsCompleted)
        {
            _abort.Dispose();
            _queue.Dispose();
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One record handed to the producer: its bytes (kept to requeue it if delivery times out) and its callback.</summary>
    private sealed class Delivery(LogShipper owner, byte[] key, byte[] value)
    {
        public byte[] Key { get; } = key;
        public byte[] Value { get; } = value;

        public void Report(DeliveryReport report) => owner.OnDelivered(this, report);
    }
}
