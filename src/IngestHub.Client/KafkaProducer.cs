using System.Diagnostics.CodeAnalysis;
using System.Text;
using IngestHub.Client.Internal;
using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Client;

/// <summary>
/// Kafka producer: per-partition batching (linger.ms, batch.size), compression, acks, retries within
/// delivery.timeout.ms, idempotence (on by default) and a bounded buffer (buffer.memory) that makes producers
/// wait instead of queueing without limit. Thread-safe; one instance per application is the intended use.
/// </summary>
public sealed class KafkaProducer : IAsyncDisposable
{
    // Per-record overhead on top of key, value and headers (record framing varints, delivery bookkeeping).
    private const int RecordOverhead = 64;

    private readonly ProducerOptions _options;
    private readonly ClusterClient _cluster;
    private readonly ProducerMemory _memory;
    private readonly ProducerSender _sender;
    // Produce calls append in call order: a call that must wait (metadata, buffer space) holds the gate, and
    // later calls queue behind it (SemaphoreSlim hands the gate to async waiters in FIFO order).
    [SuppressMessage("Reliability", "CA2213:Disposable fields should be disposed",
        Justification = "Produce and flush calls racing DisposeAsync may still be queued on the gate. Disposing would strand them and frees nothing (no wait handle is used).")]
    private readonly SemaphoreSlim _orderGate = new(1, 1);
    private int _disposed;

    public KafkaProducer(ProducerOptions options, ILogger<KafkaProducer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.EnableIdempotence && options.Acks != Acks.All)
            throw new ArgumentException("enable.idempotence requires acks=all", nameof(options));
        _options = options;
        _cluster = new ClusterClient(options, logger);
        _memory = new ProducerMemory(options.BufferMemory);
        _sender = new ProducerSender(options, _cluster, _memory, (ILogger?)logger ?? NullLogger.Instance);
    }

    public ProducerOptions Options => _options;

    /// <summary>Bytes of records accepted but not yet completed (never above <c>buffer.memory</c>).</summary>
    public long BufferedBytes => _memory.Used;

    /// <summary>The idempotent producer id, or -1 before InitProducerId (or without idempotence).</summary>
    public long ProducerId => _sender.ProducerId;

    internal ClusterClient Cluster => _cluster;

    /// <summary>Sends one record and completes when it is acknowledged (per <c>acks</c>) or has failed for good.
    /// Waits (asynchronously) while the buffer is full, up to <c>max.block.ms</c>.</summary>
    public async Task<DeliveryResult> ProduceAsync(string topic, byte[]? key, byte[]? value, IReadOnlyList<Header>? headers = null,
        int? partition = null, long? timestamp = null, CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<DeliveryResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(topic, key, value, headers, partition, timestamp, completion, null, cancellationToken);
        return await completion.Task;
    }

    /// <summary>The topic's partition count from metadata (fetched, and the topic auto-created if allowed, when unknown).</summary>
    public async ValueTask<int> PartitionCountAsync(string topic, CancellationToken cancellationToken = default)
    {
        var metadata = await _cluster.GetTopicAsync(topic, _options.AllowAutoCreateTopics, _options.MaxBlockMs, cancellationToken);
        return metadata.Partitions.Count;
    }

    /// <summary>UTF-8 convenience overload.</summary>
    public Task<DeliveryResult> ProduceAsync(string topic, string? key, string? value, CancellationToken cancellationToken = default) =>
        ProduceAsync(topic, key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value),
            cancellationToken: cancellationToken);

    /// <summary>Fire-and-forget: queues the record and returns; <paramref name="deliveryHandler"/> is called
    /// (on a pool thread) with the outcome. Blocks the caller while the buffer is full, up to <c>max.block.ms</c>,
    /// then throws <see cref="KafkaException"/>.</summary>
    public void Produce(string topic, byte[]? key, byte[]? value, Action<DeliveryReport>? deliveryHandler = null,
        IReadOnlyList<Header>? headers = null, int? partition = null, long? timestamp = null)
    {
        var pending = EnqueueAsync(topic, key, value, headers, partition, timestamp, null, deliveryHandler, CancellationToken.None);
        if (!pending.IsCompletedSuccessfully)
            pending.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Sends every queued record now (ignoring linger.ms) and waits until all have completed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        // Records whose produce call is still waiting for metadata or buffer space are part of this flush.
        await _orderGate.WaitAsync(cancellationToken);
        _orderGate.Release();
        await _sender.FlushAsync(cancellationToken);
    }

    private async ValueTask EnqueueAsync(string topic, byte[]? key, byte[]? value, IReadOnlyList<Header>? headers, int? partition, long? timestamp,
        TaskCompletionSource<DeliveryResult>? completion, Action<DeliveryReport>? callback, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        long started = Environment.TickCount64;
        int blockMs = Math.Min(_options.MaxBlockMs, _options.DeliveryTimeoutMs);
        if (!_orderGate.Wait(0, CancellationToken.None) && !await _orderGate.WaitAsync(blockMs, cancellationToken))
            throw new KafkaException(ErrorCode.RequestTimedOut, $"produce call waited {blockMs} ms (max.block.ms / delivery.timeout.ms) behind earlier calls for buffer space or metadata");
        try
        {
            await EnqueueInOrderAsync(topic, key, value, headers, partition, timestamp, completion, callback, started, blockMs, cancellationToken);
        }
        finally
        {
            _orderGate.Release();
        }
    }

    private async ValueTask EnqueueInOrderAsync(string topic, byte[]? key, byte[]? value, IReadOnlyList<Header>? headers, int? partition, long? timestamp,
        TaskCompletionSource<DeliveryResult>? completion, Action<DeliveryReport>? callback, long started, int blockMs, CancellationToken cancellationToken)
    {
        var metadata = await _cluster.GetTopicAsync(topic, _options.AllowAutoCreateTopics, Math.Max(blockMs - (int)(Environment.TickCount64 - started), 0), cancellationToken);
        int partitionCount = metadata.Partitions.Count;

        int size = RecordOverhead + (key?.Length ?? 0) + (value?.Length ?? 0);
        RecordHeaderEntry[] entries = [];
        if (headers is { Count: > 0 })
        {
            entries = new RecordHeaderEntry[headers.Count];
            for (int i = 0; i < entries.Length; i++)
            {
                entries[i] = new RecordHeaderEntry(headers[i].Key, headers[i].Value);
                size += 10 + Encoding.UTF8.GetByteCount(headers[i].Key) + (headers[i].Value?.Length ?? 0);
            }
        }
        if (size > _options.MaxRequestSize)
            throw new KafkaException(ErrorCode.MessageTooLarge, $"record of about {size} bytes exceeds max.request.size ({_options.MaxRequestSize})");

        await _memory.ReserveAsync(size, blockMs - (int)(Environment.TickCount64 - started), cancellationToken);
        long ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var delivery = new Delivery(completion, callback, ts);
        try
        {
            if (partition is { } explicitPartition)
            {
                if (explicitPartition < 0 || explicitPartition >= partitionCount)
                    throw new KafkaException(ErrorCode.UnknownTopicOrPartition, $"partition {explicitPartition} of {topic} does not exist ({partitionCount} partitions)");
                _sender.Append(new TopicPartition(topic, explicitPartition), ts, key, value, entries, delivery, size);
            }
            else if (key is not null)
            {
                int chosen = _options.Partitioner == Partitioner.Murmur2
                    ? Murmur2.Partition(key, partitionCount)
                    : Crc32Partitioner.Partition(key, partitionCount);
                _sender.Append(new TopicPartition(topic, chosen), ts, key, value, entries, delivery, size);
            }
            else
            {
                _sender.AppendSticky(topic, partitionCount, ts, value, entries, delivery, size);
            }
        }
        catch
        {
            _memory.Release(size);
            throw;
        }
    }

    /// <summary>Flushes outstanding records, then closes connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _sender.DisposeAsync();
        await _cluster.DisposeAsync();
    }
}
