namespace IngestHub.Protocol.Records;

/// <summary>A header to write: UTF-8 key, nullable value.</summary>
public readonly record struct RecordHeaderEntry(string Key, ReadOnlyMemory<byte>? Value)
{
    /// <summary>From an array; a null array stays a null value (a plain conversion to
    /// <c>ReadOnlyMemory&lt;byte&gt;?</c> would turn it into an empty one).</summary>
    public RecordHeaderEntry(string key, byte[]? value)
        : this(key, value is null ? default(ReadOnlyMemory<byte>?) : new ReadOnlyMemory<byte>(value))
    {
    }
}
