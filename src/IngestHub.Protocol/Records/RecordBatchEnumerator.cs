namespace IngestHub.Protocol.Records;

/// <summary>
/// Frames consecutive record batches in a span (a Fetch records field or a chunk of a segment file) without
/// decoding them. Stops at the end or at the first batch that is not whole: <see cref="Error"/> is then
/// <see cref="RecordBatchError.Truncated"/> for a partial last batch (normal at the end of a fetch chunk; the
/// consumer resumes from <see cref="Consumed"/>) or the header problem found. CRCs are checked by
/// <see cref="RecordBatchReader"/>, or here when <c>verifyCrc</c> is set.
/// </summary>
public ref struct RecordBatchEnumerator
{
    private readonly ReadOnlySpan<byte> _chunk;
    private readonly bool _verifyCrc;

    public RecordBatchEnumerator(ReadOnlySpan<byte> chunk, bool verifyCrc = false)
    {
        _chunk = chunk;
        _verifyCrc = verifyCrc;
        Current = default;
    }

    /// <summary>The whole current batch, header included.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }
    public RecordBatchHeader CurrentHeader { get; private set; }
    /// <summary>Bytes of the chunk covered by the batches yielded so far.</summary>
    public int Consumed { get; private set; }
    /// <summary>None after a clean end; otherwise why enumeration stopped early.</summary>
    public RecordBatchError Error { get; private set; }

    public readonly RecordBatchEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (Error != RecordBatchError.None)
            return false;
        var rest = _chunk[Consumed..];
        if (rest.IsEmpty)
            return false;
        var error = _verifyCrc ? RecordBatchHeader.TryValidate(rest, out var header) : RecordBatchHeader.TryRead(rest, out header);
        if (error == RecordBatchError.None && rest.Length < header.TotalSize)
            error = RecordBatchError.Truncated;
        if (error != RecordBatchError.None)
        {
            Error = error;
            Current = default;
            return false;
        }
        CurrentHeader = header;
        Current = rest[..header.TotalSize];
        Consumed += header.TotalSize;
        return true;
    }
}
