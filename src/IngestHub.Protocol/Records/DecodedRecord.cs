namespace IngestHub.Protocol.Records;

/// <summary>A record copied out of its batch (allocating; for tests and callers off the hot path).</summary>
public sealed class DecodedRecord
{
    public required long Offset { get; init; }
    public required long Timestamp { get; init; }
    public sbyte Attributes { get; init; }
    public byte[]? Key { get; init; }
    public byte[]? Value { get; init; }
    public IReadOnlyList<DecodedHeader> Headers { get; init; } = [];

    internal static DecodedRecord From(in Record record)
    {
        var headers = new List<DecodedHeader>(record.HeaderCount);
        foreach (var header in record.Headers)
            headers.Add(new DecodedHeader(header.GetKey(), header.IsValueNull ? null : header.Value.ToArray()));
        return new DecodedRecord
        {
            Offset = record.Offset,
            Timestamp = record.Timestamp,
            Attributes = record.Attributes,
            Key = record.IsKeyNull ? null : record.Key.ToArray(),
            Value = record.IsValueNull ? null : record.Value.ToArray(),
            Headers = headers,
        };
    }
}
