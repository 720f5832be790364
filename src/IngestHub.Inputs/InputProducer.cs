using IngestHub.Client;
using Microsoft.Extensions.Logging;

namespace IngestHub.Inputs;

/// <summary>
/// The producer every input writes through: acks=all and idempotent, so a request answered as accepted is durable
/// per the topic's replication settings.
/// </summary>
public sealed class InputProducer : IAsyncDisposable
{
    private readonly KafkaProducer _producer;

    public InputProducer(string bootstrapServers, ILogger<KafkaProducer>? logger = null)
        : this(new ClientOptions { BootstrapServers = bootstrapServers, ClientId = "ingesthub-inputs" }, logger)
    {
    }

    /// <summary>With <paramref name="connection"/>'s bootstrap servers, client id and security settings.</summary>
    public InputProducer(ClientOptions connection, ILogger<KafkaProducer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _producer = new KafkaProducer(connection.CopyConnectionTo(new ProducerOptions
        {
            ClientId = connection.ClientId,
            Acks = Acks.All,
            LingerMs = 2,
            MaxBlockMs = 10_000,
            DeliveryTimeoutMs = 30_000,
        }), logger);
    }

    /// <summary>Sends all records and completes when every one is acknowledged; throws the first failure.</summary>
    public async Task ProduceAllAsync(string topic, IReadOnlyList<IngestRecord> records, CancellationToken cancellationToken)
    {
        var pending = new Task[records.Count];
        for (int i = 0; i < records.Count; i++)
            pending[i] = _producer.ProduceAsync(topic, records[i].Key, records[i].Value, cancellationToken: cancellationToken);
        await Task.WhenAll(pending);
    }

    /// <summary>Queues one record without waiting for its acknowledgement (syslog: the sender gets no answer anyway).</summary>
    public void Produce(string topic, IngestRecord record, Action<DeliveryReport> onDelivered) =>
        _producer.Produce(topic, record.Key, record.Value, onDelivered);

    public ValueTask DisposeAsync() => _producer.DisposeAsync();
}
