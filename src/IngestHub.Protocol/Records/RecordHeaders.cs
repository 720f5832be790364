namespace IngestHub.Protocol.Records;

/// <summary>The headers of one record, already validated by the reader; enumerate with foreach (no allocation).</summary>
public readonly ref struct RecordHeaders
{
    private readonly ReadOnlySpan<byte> _encoded;

    internal RecordHeaders(ReadOnlySpan<byte> encoded, int count)
    {
        _encoded = encoded;
        Count = count;
    }

    public int Count { get; }

    public RecordHeaderEnumerator GetEnumerator() => new(_encoded, Count);
}
