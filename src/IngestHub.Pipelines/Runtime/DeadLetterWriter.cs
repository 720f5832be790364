using System.Globalization;
using System.Text;
using IngestHub.Client;

namespace IngestHub.Pipelines.Runtime;

/// <summary>
/// Writes failed records to the connector's dead-letter topic: the original key and value, the original headers,
/// and headers saying which connector and stage failed, why, and where the record came from. Failures are
/// visible there (and on the dashboard), never silently dropped.
/// </summary>
public sealed class DeadLetterWriter(KafkaProducer producer, string connector, string topic)
{
    public const string HeaderPrefix = "ingesthub.errors.";
    public const string ConnectorHeader = HeaderPrefix + "connector.name";
    public const string StageHeader = HeaderPrefix + "stage";
    public const string ErrorTypeHeader = HeaderPrefix + "error.type";
    public const string MessageHeader = HeaderPrefix + "exception.message";
    public const string TopicHeader = HeaderPrefix + "topic";
    public const string PartitionHeader = HeaderPrefix + "partition";
    public const string OffsetHeader = HeaderPrefix + "offset";
    public const string TimestampHeader = HeaderPrefix + "timestamp";

    public string Topic { get; } = topic;

    /// <summary>Produces every dead letter and waits for all acknowledgements.</summary>
    public async Task WriteAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellationToken)
    {
        var pending = new Task<DeliveryResult>[letters.Count];
        for (int i = 0; i < letters.Count; i++)
        {
            var letter = letters[i];
            var record = letter.Record;
            var headers = new List<Header>(record.Headers.Count + 8);
            headers.AddRange(record.Headers);
            headers.Add(Text(ConnectorHeader, connector));
            headers.Add(Text(StageHeader, letter.Stage));
            headers.Add(Text(ErrorTypeHeader, letter.ErrorType));
            headers.Add(Text(MessageHeader, letter.Reason));
            headers.Add(Text(TopicHeader, record.Topic));
            headers.Add(Text(PartitionHeader, record.Partition.ToString(CultureInfo.InvariantCulture)));
            headers.Add(Text(OffsetHeader, record.Offset.ToString(CultureInfo.InvariantCulture)));
            headers.Add(Text(TimestampHeader, record.Timestamp.ToString(CultureInfo.InvariantCulture)));
            pending[i] = producer.ProduceAsync(Topic, record.Key, record.Value, headers, cancellationToken: cancellationToken);
        }
        await Task.WhenAll(pending);
    }

    private static Header Text(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));
}
