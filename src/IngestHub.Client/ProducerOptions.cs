using IngestHub.Protocol.Records;

namespace IngestHub.Client;

/// <summary>Producer settings; names in the docs are the Kafka configuration keys.</summary>
public sealed class ProducerOptions : ClientOptions
{
    /// <summary><c>acks</c> (default all).</summary>
    public Acks Acks { get; set; } = Acks.All;

    /// <summary><c>linger.ms</c>: how long a batch waits for more records (Kafka 3.x default 5 with the new producer; librdkafka 5).</summary>
    public int LingerMs { get; set; } = 5;

    /// <summary><c>batch.size</c>: uncompressed bytes per partition batch (default 16384).</summary>
    public int BatchSize { get; set; } = 16 * 1024;

    /// <summary><c>buffer.memory</c>: bytes of records waiting to be sent; producing waits when it is full (default 32 MiB).</summary>
    public long BufferMemory { get; set; } = 32L * 1024 * 1024;

    /// <summary><c>max.block.ms</c>: how long a produce call waits for metadata or buffer space (default 60000).</summary>
    public int MaxBlockMs { get; set; } = 60_000;

    /// <summary><c>compression.type</c>: none, gzip, snappy, lz4 or zstd (level 3, as Kafka and librdkafka default to).</summary>
    public CompressionType CompressionType { get; set; } = CompressionType.None;

    /// <summary><c>enable.idempotence</c> (default true): producer id and sequence numbers so retries do not duplicate.</summary>
    public bool EnableIdempotence { get; set; } = true;

    /// <summary><c>delivery.timeout.ms</c>: upper bound from produce call to success or failure, retries included (default 120000).</summary>
    public int DeliveryTimeoutMs { get; set; } = 120_000;

    /// <summary><c>retries</c>: how often a batch is retried within the delivery timeout.</summary>
    public int Retries { get; set; } = int.MaxValue;

    /// <summary><c>max.in.flight.requests.per.connection</c> (at most 5 with idempotence).</summary>
    public int MaxInFlightRequestsPerConnection { get; set; } = 5;

    /// <summary><c>max.request.size</c>: largest single record accepted (default 1 MiB).</summary>
    public int MaxRequestSize { get; set; } = 1024 * 1024;

    /// <summary><c>partitioner</c>: key placement (murmur2 as the Java client, or librdkafka's consistent_random).</summary>
    public Partitioner Partitioner { get; set; } = Partitioner.Murmur2;

    /// <summary><c>allow.auto.create.topics</c>.</summary>
    public bool AllowAutoCreateTopics { get; set; } = true;
}
