using System.Buffers.Text;
using System.Text;
using IngestHub.Client;

namespace IngestHub.Pipelines.Runtime;

/// <summary>
/// How a relayed record carries its origin: the original key, value, timestamp and headers, plus three headers
/// naming the source topic, partition and offset. <see cref="Unwrap"/> gives the record back as it was read from
/// the source, so filters, sinks (document ids <c>topic-partition-offset</c>) and dead letters see the original.
/// </summary>
public static class SpillEnvelope
{
    public const string TopicHeader = "ingesthub.spill.topic";
    public const string PartitionHeader = "ingesthub.spill.partition";
    public const string OffsetHeader = "ingesthub.spill.offset";

    /// <summary>The record's headers followed by its origin.</summary>
    public static List<Header> Headers(ConsumeResult record)
    {
        var headers = new List<Header>(record.Headers.Count + 3);
        headers.AddRange(record.Headers);
        headers.Add(new Header(TopicHeader, Encoding.UTF8.GetBytes(record.Topic)));
        headers.Add(new Header(PartitionHeader, Number(record.Partition)));
        headers.Add(new Header(OffsetHeader, Number(record.Offset)));
        return headers;
    }

    private static byte[] Number(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int written);
        return digits[..written].ToArray();
    }

    /// <summary>The original record when <paramref name="record"/> is a relayed one; otherwise the record itself.</summary>
    public static ConsumeResult Unwrap(ConsumeResult record)
    {
        string? topic = null;
        long partition = -1, offset = -1;
        int own = 0;
        foreach (var header in record.Headers)
        {
            switch (header.Key)
            {
                case TopicHeader when header.Value is not null:
                    topic = Encoding.UTF8.GetString(header.Value);
                    own++;
                    break;
                case PartitionHeader when header.Value is not null && Utf8Parser.TryParse(header.Value, out long p, out _):
                    partition = p;
                    own++;
                    break;
                case OffsetHeader when header.Value is not null && Utf8Parser.TryParse(header.Value, out long o, out _):
                    offset = o;
                    own++;
                    break;
            }
        }
        if (topic is null || partition < 0 || offset < 0)
            return record;
        var original = new List<Header>(record.Headers.Count - own);
        foreach (var header in record.Headers)
            if (header.Key is not (TopicHeader or PartitionHeader or OffsetHeader))
                original.Add(header);
        return new ConsumeResult
        {
            Topic = topic,
            Partition = (int)partition,
            Offset = offset,
            Timestamp = record.Timestamp,
            Key = record.Key,
            Value = record.Value,
            Headers = original,
        };
    }
}
