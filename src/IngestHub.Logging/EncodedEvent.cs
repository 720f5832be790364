using System.Buffers;

namespace IngestHub.Logging;

/// <summary>One encoded log event in a buffer rented from <see cref="ArrayPool{T}.Shared"/>: the record key
/// (<see cref="KeyLength"/> bytes) followed by the JSON value (<see cref="ValueLength"/> bytes).</summary>
internal readonly record struct EncodedEvent(byte[] Buffer, int KeyLength, int ValueLength)
{
    public int Size => KeyLength + ValueLength;

    public ReadOnlySpan<byte> Key => Buffer.AsSpan(0, KeyLength);

    public ReadOnlySpan<byte> Value => Buffer.AsSpan(KeyLength, ValueLength);

    public void Return() => ArrayPool<byte>.Shared.Return(Buffer);

    public static EncodedEvent Copy(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(key.Length + value.Length);
        key.CopyTo(buffer);
        value.CopyTo(buffer.AsSpan(key.Length));
        return new EncodedEvent(buffer, key.Length, value.Length);
    }
}
