using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace IngestHub.Protocol.Primitives;

/// <summary>
/// Reads Kafka protocol primitives (big-endian ints, strings, bytes, arrays, unsigned varints, tagged
/// fields) from one contiguous frame. Byte fields are returned as slices of the frame, never copied.
/// A field that runs past the frame or has an impossible length throws <see cref="MalformedMessageException"/>.
/// </summary>
public struct KafkaReader
{
    private readonly ReadOnlyMemory<byte> _buffer;
    private int _position;

    public KafkaReader(ReadOnlyMemory<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;
    public readonly int Remaining => _buffer.Length - _position;
    public readonly bool End => _position >= _buffer.Length;

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)Remaining)
            ThrowTruncated(count);
        var span = _buffer.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    public sbyte ReadInt8() => (sbyte)Take(1)[0];
    public bool ReadBoolean() => Take(1)[0] != 0;
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));
    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));

    public Guid ReadUuid()
    {
        var bytes = Take(16);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>Unsigned LEB128 varint (compact lengths, tagged field headers).</summary>
    public uint ReadUnsignedVarint()
    {
        uint result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = Take(1)[0];
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
        throw new MalformedMessageException("unsigned varint longer than 5 bytes");
    }

    /// <summary>Zigzag-encoded signed varint.</summary>
    public int ReadVarint()
    {
        uint raw = ReadUnsignedVarint();
        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    /// <summary>STRING (int16 length); NULLABLE_STRING returns null for length -1.</summary>
    public string? ReadNullableString()
    {
        short length = ReadInt16();
        if (length == -1)
            return null;
        if (length < 0)
            throw new MalformedMessageException($"negative string length {length}");
        return Encoding.UTF8.GetString(Take(length));
    }

    public string ReadString() =>
        ReadNullableString() ?? throw new MalformedMessageException("null where a non-null string is required");

    /// <summary>COMPACT_STRING / COMPACT_NULLABLE_STRING (unsigned varint length + 1).</summary>
    public string? ReadCompactNullableString()
    {
        uint lengthPlusOne = ReadUnsignedVarint();
        if (lengthPlusOne == 0)
            return null;
        return Encoding.UTF8.GetString(Take(ToLength(lengthPlusOne - 1)));
    }

    public string ReadCompactString() =>
        ReadCompactNullableString() ?? throw new MalformedMessageException("null where a non-null compact string is required");

    public string? ReadNullableString(bool compact) => compact ? ReadCompactNullableString() : ReadNullableString();
    public string ReadString(bool compact) => compact ? ReadCompactString() : ReadString();

    /// <summary>BYTES / NULLABLE_BYTES (int32 length, -1 = null). Returns a slice of the frame.</summary>
    public ReadOnlyMemory<byte>? ReadNullableBytes()
    {
        int length = ReadInt32();
        if (length == -1)
            return null;
        if (length < 0)
            throw new MalformedMessageException($"negative bytes length {length}");
        return TakeMemory(length);
    }

    public ReadOnlyMemory<byte> ReadBytes() => ReadNullableBytes() ?? ReadOnlyMemory<byte>.Empty;

    public ReadOnlyMemory<byte>? ReadCompactNullableBytes()
    {
        uint lengthPlusOne = ReadUnsignedVarint();
        if (lengthPlusOne == 0)
            return null;
        return TakeMemory(ToLength(lengthPlusOne - 1));
    }

    public ReadOnlyMemory<byte> ReadBytes(bool compact) =>
        (compact ? ReadCompactNullableBytes() : ReadNullableBytes()) ?? ReadOnlyMemory<byte>.Empty;

    public ReadOnlyMemory<byte>? ReadNullableBytes(bool compact) =>
        compact ? ReadCompactNullableBytes() : ReadNullableBytes();

    public ReadOnlyMemory<byte> TakeMemory(int length)
    {
        if ((uint)length > (uint)Remaining)
            ThrowTruncated(length);
        var slice = _buffer.Slice(_position, length);
        _position += length;
        return slice;
    }

    /// <summary>ARRAY length (int32, -1 = null) or COMPACT_ARRAY (unsigned varint N+1, 0 = null).
    /// Returns -1 for null. A count that cannot fit in the remaining bytes (each element at least
    /// <paramref name="minElementSize"/> bytes) is rejected, so a hostile count never drives an allocation.</summary>
    public int ReadArrayLength(bool compact, int minElementSize = 1)
    {
        int count;
        if (compact)
        {
            uint n = ReadUnsignedVarint();
            count = n == 0 ? -1 : ToLength(n - 1);
        }
        else
        {
            count = ReadInt32();
            if (count < -1)
                throw new MalformedMessageException($"negative array length {count}");
        }
        if (count > 0 && (long)count * Math.Max(1, minElementSize) > Remaining)
            throw new MalformedMessageException($"array length {count} exceeds the {Remaining} bytes left in the frame");
        return count;
    }

    /// <summary>Skips a tagged-fields section (flexible versions). Unknown tags are ignored, as the spec requires.</summary>
    public void SkipTaggedFields()
    {
        uint count = ReadUnsignedVarint();
        for (uint i = 0; i < count; i++)
        {
            ReadUnsignedVarint(); // tag
            uint size = ReadUnsignedVarint();
            Take(ToLength(size));
        }
    }

    /// <summary>Reads one tagged field's header (tag, size) and returns a reader over its value, which is skipped
    /// in this reader. Byte fields read from the returned reader are still slices of the frame.</summary>
    public KafkaReader ReadTaggedField(out uint tag)
    {
        tag = ReadUnsignedVarint();
        int size = ToLength(ReadUnsignedVarint());
        return new KafkaReader(TakeMemory(size));
    }

    public void Skip(int count) => Take(count);

    // A varint length above int.MaxValue can never fit in a frame; report it as malformed input, not overflow.
    private static int ToLength(uint length) =>
        length <= int.MaxValue ? (int)length : throw new MalformedMessageException($"length {length} exceeds any frame");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowTruncated(int wanted) =>
        throw new MalformedMessageException($"field of {wanted} bytes at position {_position} runs past the end of the {_buffer.Length}-byte frame");
}
