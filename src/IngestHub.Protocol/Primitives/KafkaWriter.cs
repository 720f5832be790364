using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace IngestHub.Protocol.Primitives;

/// <summary>
/// Writes Kafka protocol primitives into an <see cref="IBufferWriter{T}"/> (normally a
/// <see cref="PooledBufferWriter"/> that becomes one frame).
/// </summary>
public readonly struct KafkaWriter
{
    private readonly IBufferWriter<byte> _output;

    public KafkaWriter(IBufferWriter<byte> output) => _output = output;

    public IBufferWriter<byte> Output => _output;

    public void WriteInt8(sbyte value)
    {
        _output.GetSpan(1)[0] = (byte)value;
        _output.Advance(1);
    }

    public void WriteBoolean(bool value) => WriteInt8(value ? (sbyte)1 : (sbyte)0);

    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_output.GetSpan(2), value);
        _output.Advance(2);
    }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_output.GetSpan(2), value);
        _output.Advance(2);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_output.GetSpan(4), value);
        _output.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    public void WriteFloat64(double value)
    {
        BinaryPrimitives.WriteDoubleBigEndian(_output.GetSpan(8), value);
        _output.Advance(8);
    }

    public void WriteUuid(Guid value)
    {
        value.TryWriteBytes(_output.GetSpan(16), bigEndian: true, out _);
        _output.Advance(16);
    }

    public void WriteUnsignedVarint(uint value)
    {
        var span = _output.GetSpan(5);
        int i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        _output.Advance(i);
    }

    public void WriteVarint(int value) => WriteUnsignedVarint((uint)((value << 1) ^ (value >> 31)));

    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteInt16(-1);
            return;
        }
        int byteCount = Encoding.UTF8.GetByteCount(value);
        if (byteCount > short.MaxValue)
            throw new ArgumentException($"string of {byteCount} bytes exceeds the protocol's int16 length", nameof(value));
        WriteInt16((short)byteCount);
        WriteUtf8(value, byteCount);
    }

    public void WriteString(string value) => WriteNullableString(value);

    public void WriteCompactNullableString(string? value)
    {
        if (value is null)
        {
            WriteUnsignedVarint(0);
            return;
        }
        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteUnsignedVarint((uint)byteCount + 1);
        WriteUtf8(value, byteCount);
    }

    public void WriteNullableString(string? value, bool compact)
    {
        if (compact)
            WriteCompactNullableString(value);
        else
            WriteNullableString(value);
    }

    public void WriteString(string value, bool compact) => WriteNullableString(value, compact);

    private void WriteUtf8(string value, int byteCount)
    {
        if (byteCount == 0)
            return;
        var span = _output.GetSpan(byteCount);
        Encoding.UTF8.GetBytes(value, span);
        _output.Advance(byteCount);
    }

    public void WriteNullableBytes(ReadOnlySpan<byte> value, bool isNull, bool compact = false)
    {
        if (isNull)
        {
            if (compact)
                WriteUnsignedVarint(0);
            else
                WriteInt32(-1);
            return;
        }
        if (compact)
            WriteUnsignedVarint((uint)value.Length + 1);
        else
            WriteInt32(value.Length);
        WriteRaw(value);
    }

    public void WriteBytes(ReadOnlySpan<byte> value, bool compact = false) => WriteNullableBytes(value, false, compact);

    public void WriteNullableBytes(ReadOnlyMemory<byte>? value, bool compact = false) =>
        WriteNullableBytes(value.HasValue ? value.Value.Span : default, !value.HasValue, compact);

    /// <summary>ARRAY / COMPACT_ARRAY length; -1 writes null.</summary>
    public void WriteArrayLength(int count, bool compact)
    {
        if (compact)
            WriteUnsignedVarint(count < 0 ? 0u : (uint)count + 1);
        else
            WriteInt32(count);
    }

    /// <summary>An empty tagged-fields section (flexible versions).</summary>
    public void WriteEmptyTaggedFields() => WriteUnsignedVarint(0);

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return;
        var span = _output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _output.Advance(bytes.Length);
    }
}
