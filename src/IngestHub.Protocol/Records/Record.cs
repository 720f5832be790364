namespace IngestHub.Protocol.Records;

/// <summary>
/// One record of a batch, viewed in place (the bytes belong to the batch or to the reader's decompression
/// buffer and live as long as they do). Offset and timestamp are absolute, derived from the batch header.
/// </summary>
public readonly ref struct Record
{
    private readonly ReadOnlySpan<byte> _headers;

    internal Record(sbyte attributes, long timestampDelta, int offsetDelta, long offset, long timestamp,
        ReadOnlySpan<byte> key, bool isKeyNull, ReadOnlySpan<byte> value, bool isValueNull,
        ReadOnlySpan<byte> headers, int headerCount)
    {
        Attributes = attributes;
        TimestampDelta = timestampDelta;
        OffsetDelta = offsetDelta;
        Offset = offset;
        Timestamp = timestamp;
        Key = key;
        IsKeyNull = isKeyNull;
        Value = value;
        IsValueNull = isValueNull;
        _headers = headers;
        HeaderCount = headerCount;
    }

    /// <summary>Record attributes byte (unused by Kafka today, kept as sent).</summary>
    public sbyte Attributes { get; }
    public long TimestampDelta { get; }
    public int OffsetDelta { get; }
    /// <summary>baseOffset + offsetDelta.</summary>
    public long Offset { get; }
    /// <summary>baseTimestamp + timestampDelta, or the batch's maxTimestamp for LogAppendTime batches.</summary>
    public long Timestamp { get; }
    /// <summary>Empty when <see cref="IsKeyNull"/>.</summary>
    public ReadOnlySpan<byte> Key { get; }
    public bool IsKeyNull { get; }
    /// <summary>Empty when <see cref="IsValueNull"/>.</summary>
    public ReadOnlySpan<byte> Value { get; }
    public bool IsValueNull { get; }
    public int HeaderCount { get; }
    public RecordHeaders Headers => new(_headers, HeaderCount);
    /// <summary>The headers as encoded in the record (after the header count), for copying a record unchanged.</summary>
    public ReadOnlySpan<byte> EncodedHeaders => _headers;
}
