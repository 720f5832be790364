using System.Text;

namespace IngestHub.Protocol.Records;

/// <summary>One record header, viewed in place: a UTF-8 key and a nullable value.</summary>
public readonly ref struct RecordHeader
{
    public RecordHeader(ReadOnlySpan<byte> keyUtf8, ReadOnlySpan<byte> value, bool isValueNull)
    {
        KeyUtf8 = keyUtf8;
        Value = value;
        IsValueNull = isValueNull;
    }

    public ReadOnlySpan<byte> KeyUtf8 { get; }
    /// <summary>Empty when <see cref="IsValueNull"/>.</summary>
    public ReadOnlySpan<byte> Value { get; }
    public bool IsValueNull { get; }

    /// <summary>Allocates the key as a string (for non-hot callers).</summary>
    public string GetKey() => Encoding.UTF8.GetString(KeyUtf8);
}
