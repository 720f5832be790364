namespace IngestHub.Protocol.Records;

/// <summary>Walks encoded headers ([keyLen varint, key, valueLen varint, value]…) that the reader has
/// already checked, so it only re-reads lengths.</summary>
public ref struct RecordHeaderEnumerator
{
    private ReadOnlySpan<byte> _remaining;
    private int _left;

    internal RecordHeaderEnumerator(ReadOnlySpan<byte> encoded, int count)
    {
        _remaining = encoded;
        _left = count;
        Current = default;
    }

    public RecordHeader Current { get; private set; }

    public bool MoveNext()
    {
        if (_left <= 0)
            return false;
        _left--;
        Varint.ReadVarint(_remaining, out int keyLength, out int n);
        _remaining = _remaining[n..];
        var key = _remaining[..keyLength];
        _remaining = _remaining[keyLength..];
        Varint.ReadVarint(_remaining, out int valueLength, out n);
        _remaining = _remaining[n..];
        if (valueLength < 0)
        {
            Current = new RecordHeader(key, default, isValueNull: true);
            return true;
        }
        Current = new RecordHeader(key, _remaining[..valueLength], isValueNull: false);
        _remaining = _remaining[valueLength..];
        return true;
    }
}
