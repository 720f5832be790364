using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Sinks;

namespace IngestHub.Streams.Bolts;

/// <summary>A sink writing each event's fields as a JSON record to a Kafka topic (key from an optional template),
/// acknowledged by the broker (acks=all, idempotent producer) before the batch counts as stored.</summary>
public sealed class TopicSink : ISink
{
    private readonly string _topic;
    private readonly EventFormatter? _key;
    private readonly KafkaProducer _producer;

    internal TopicSink(string topic, EventFormatter? key, ProducerOptions options)
    {
        _topic = topic;
        _key = key;
        _producer = new KafkaProducer(options);
    }

    public ValueTask StartAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<LogEvent> batch, CancellationToken cancellationToken)
    {
        var sends = new Task<DeliveryResult>[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            byte[]? key = _key is null ? null : Encoding.UTF8.GetBytes(_key.Format(e));
            sends[i] = _producer.ProduceAsync(_topic, key, Encoding.UTF8.GetBytes(e.Fields.ToJsonString()), cancellationToken: cancellationToken);
        }
        try
        {
            await Task.WhenAll(sends);
        }
        catch (KafkaException ex)
        {
            throw new SinkUnavailableException($"topic {_topic}: {ex.Message}", ex);
        }
        return SinkWriteResult.AllDelivered;
    }

    public ValueTask DisposeAsync() => _producer.DisposeAsync();
}
