using System.Globalization;
using System.Text;
using IngestHub.Client;

namespace IngestHub.Pipelines.Runtime;

/// <summary>
/// Writes failed records to the connector's dead-letter topic: the original key and value, the original headers,
/// and headers saying which connector and stage failed, why, and where the record came from. Failures are
/// visible there (and on the dashboard), never silently dropped.
/// <para>A record batch that could not be decoded becomes one letter: no key, the whole batch as stored as its value
/// (Kafka record batch v2 bytes, so it can be inspected or replayed), <c>ingesthub.errors.offset</c> and
/// <c>ingesthub.errors.offset.last</c> giving the range it covers, <c>ingesthub.errors.payload</c> saying what the
/// value is (<c>record-batch</c>, <c>none</c> when the bytes could not be framed, or <c>omitted</c> when the batch is
/// larger than <see cref="MaxBatchValueBytes"/>).</para>
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
    public const string LastOffsetHeader = HeaderPrefix + "offset.last";
    public const string PayloadHeader = HeaderPrefix + "payload";
    public const string BatchSizeHeader = HeaderPrefix + "batch.size";

    /// <summary>Largest batch carried as a letter's value; a dead-letter record must stay under the producer's and the
    /// broker's 1 MiB request limit.</summary>
    public const int MaxBatchValueBytes = 900 * 1024;

    public string Topic { get; } = topic;

    /// <summary>Produces every dead letter and waits for all acknowledgements.</summary>
    public async Task WriteAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellationToken)
    {
        var pending = new Task<DeliveryResult>[letters.Count];
        for (int i = 0; i < letters.Count; i++)
        {
            var letter = letters[i];
            var record = SpillEnvelope.Unwrap(letter.Record); // a spilled record is reported where it came from
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
            byte[]? value = record.Value;
            if (letter.LastOffset is { } last)
            {
                headers.Add(Text(LastOffsetHeader, last.ToString(CultureInfo.InvariantCulture)));
                headers.Add(Text(BatchSizeHeader, (value?.Length ?? 0).ToString(CultureInfo.InvariantCulture)));
                string payload = value is null ? "none" : value.Length > MaxBatchValueBytes ? "omitted" : "record-batch";
                headers.Add(Text(PayloadHeader, payload));
                if (payload == "omitted")
                    value = null;
            }
            pending[i] = producer.ProduceAsync(Topic, record.Key, value, headers, cancellationToken: cancellationToken);
        }
        await Task.WhenAll(pending);
    }

    private static Header Text(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));
}
