using IngestHub.Client;
using IngestHub.Pipelines.Runtime;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// The topology's dead-letter topic (<c>topology.dead.letter.topic</c>, default <c>&lt;name&gt;.dlq</c>): poison
/// records after their retries, undecodable records and sink rejections go there with the pipelines' error
/// headers (component, stage, error type, reason, source topic/partition/offset). The producer is created on
/// first use.
/// </summary>
public sealed class DeadLetterQueue : IAsyncDisposable
{
    private readonly string _topology;
    private readonly TopologyEnvironment _environment;
    private readonly object _lock = new();
    private KafkaProducer? _producer;
    private long _written;

    internal DeadLetterQueue(string topology, string topic, TopologyEnvironment environment)
    {
        _topology = topology;
        Topic = topic;
        _environment = environment;
    }

    public string Topic { get; }

    public long Written => Interlocked.Read(ref _written);

    /// <summary>Writes one dead letter; completes when the broker acknowledged it. Throws
    /// <see cref="InvalidOperationException"/> when the topology has no Kafka cluster to write to.</summary>
    public async Task WriteAsync(ConsumeResult record, string component, string stage, string errorType, string reason,
        string? topic = null, CancellationToken cancellationToken = default)
    {
        var writer = new DeadLetterWriter(Producer(), _topology + "/" + component, topic ?? Topic);
        await writer.WriteAsync([new DeadLetter(record, stage, errorType, reason)], cancellationToken);
        Interlocked.Increment(ref _written);
    }

    private KafkaProducer Producer()
    {
        lock (_lock)
        {
            if (_producer is not null)
                return _producer;
            if (_environment.BootstrapServers is null)
                throw new InvalidOperationException($"topology {_topology} has no Kafka bootstrap servers to write its dead-letter topic {Topic} to");
            _producer = new KafkaProducer(_environment.ClientOptions(new ProducerOptions { ClientId = $"ingesthub-topology-{_topology}-dlq", Acks = Acks.All }));
            return _producer;
        }
    }

    public async ValueTask DisposeAsync()
    {
        KafkaProducer? producer;
        lock (_lock)
        {
            producer = _producer;
            _producer = null;
        }
        if (producer is not null)
            await producer.DisposeAsync();
    }
}
