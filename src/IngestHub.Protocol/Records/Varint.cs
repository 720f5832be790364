namespace IngestHub.Protocol.Records;

/// <summary>
/// Zigzag varints (int32, at most 5 bytes) and varlongs (int64, at most 10 bytes) as used inside record
/// batches v2. Readers never throw: they report truncation and overflow as <see cref="RecordBatchError"/>.
/// </summary>
public static class Varint
{
    public const int MaxVarintBytes = 5;
    public const int MaxVarlongBytes = 10;

    /// <summary>Reads a zigzag varint. <see cref="RecordBatchError.Truncated"/> when the span ends before the
    /// last byte, <see cref="RecordBatchError.VarintOverflow"/> when 5 bytes all carry the continuation bit.</summary>
    public static RecordBatchError ReadVarint(ReadOnlySpan<byte> source, out int value, out int bytesRead)
    {
        uint raw = 0;
        for (int i = 0; i < MaxVarintBytes; i++)
        {
            if (i >= source.Length)
                return Fail(RecordBatchError.Truncated, out value, out bytesRead);
            byte b = source[i];
            raw |= (uint)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                value = (int)(raw >> 1) ^ -(int)(raw & 1);
                bytesRead = i + 1;
                return RecordBatchError.None;
            }
        }
        return Fail(RecordBatchError.VarintOverflow, out value, out bytesRead);
    }

    /// <summary>Reads a zigzag varlong (at most 10 bytes); errors as <see cref="ReadVarint"/>.</summary>
    public static RecordBatchError ReadVarlong(ReadOnlySpan<byte> source, out long value, out int bytesRead)
    {
        ulong raw = 0;
        for (int i = 0; i < MaxVarlongBytes; i++)
        {
            if (i >= source.Length)
            {
                value = 0;
                bytesRead = 0;
                return RecordBatchError.Truncated;
            }
            byte b = source[i];
            raw |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                bytesRead = i + 1;
                return RecordBatchError.None;
            }
        }
        value = 0;
        bytesRead = 0;
        return RecordBatchError.VarintOverflow;
    }

    public static bool TryReadVarint(ReadOnlySpan<byte> source, out int value, out int bytesRead) =>
        ReadVarint(source, out value, out bytesRead) == RecordBatchError.None;

    public static bool TryReadVarlong(ReadOnlySpan<byte> source, out long value, out int bytesRead) =>
        ReadVarlong(source, out value, out bytesRead) == RecordBatchError.None;

    /// <summary>Writes a zigzag varint; returns false (writing nothing useful) when the span is too short.</summary>
    public static bool TryWriteVarint(Span<byte> destination, int value, out int bytesWritten) =>
        TryWriteUnsigned(destination, (uint)((value << 1) ^ (value >> 31)), out bytesWritten);

    public static bool TryWriteVarlong(Span<byte> destination, long value, out int bytesWritten)
    {
        ulong raw = (ulong)((value << 1) ^ (value >> 63));
        int i = 0;
        while (raw >= 0x80)
        {
            if (i >= destination.Length)
                return Fail(out bytesWritten);
            destination[i++] = (byte)(raw | 0x80);
            raw >>= 7;
        }
        if (i >= destination.Length)
            return Fail(out bytesWritten);
        destination[i++] = (byte)raw;
        bytesWritten = i;
        return true;
    }

    /// <summary>Writes a zigzag varint into a span known to be large enough (5 bytes); returns bytes written.</summary>
    public static int WriteVarint(Span<byte> destination, int value) =>
        TryWriteVarint(destination, value, out int n) ? n : throw new ArgumentException("Destination too short.", nameof(destination));

    public static int WriteVarlong(Span<byte> destination, long value) =>
        TryWriteVarlong(destination, value, out int n) ? n : throw new ArgumentException("Destination too short.", nameof(destination));

    public static int SizeOfVarint(int value) => SizeOfUnsigned((uint)((value << 1) ^ (value >> 31)));

    public static int SizeOfVarlong(long value)
    {
        ulong raw = (ulong)((value << 1) ^ (value >> 63));
        int size = 1;
        while (raw >= 0x80)
        {
            raw >>= 7;
            size++;
        }
        return size;
    }

    private static int SizeOfUnsigned(uint raw)
    {
        int size = 1;
        while (raw >= 0x80)
        {
            raw >>= 7;
            size++;
        }
        return size;
    }

    private static bool TryWriteUnsigned(Span<byte> destination, uint raw, out int bytesWritten)
    {
        int i = 0;
        while (raw >= 0x80)
        {
            if (i >= destination.Length)
                return Fail(out bytesWritten);
            destination[i++] = (byte)(raw | 0x80);
            raw >>= 7;
        }
        if (i >= destination.Length)
            return Fail(out bytesWritten);
        destination[i++] = (byte)raw;
        bytesWritten = i;
        return true;
    }

    private static bool Fail(out int bytesWritten)
    {
        bytesWritten = 0;
        return false;
    }

    private static RecordBatchError Fail(RecordBatchError error, out int value, out int bytesRead)
    {
        value = 0;
        bytesRead = 0;
        return error;
    }
}
