using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>
/// The bytes of a RECORDS field (one or more record batches). The broker fills a fetch response straight
/// from segment files through its own subclass; a decoded message holds a slice of the received frame.
/// </summary>
public abstract class RecordsPayload
{
    public abstract int Length { get; }

    /// <summary>Copies exactly <see cref="Length"/> bytes into <paramref name="destination"/>.</summary>
    public abstract void CopyTo(Span<byte> destination);

    /// <summary>Reads a RECORDS field; the result holds a slice of the frame.</summary>
    public static RecordsPayload? Read(ref KafkaReader reader, bool compact) =>
        reader.ReadNullableBytes(compact) is { } bytes ? new MemoryRecordsPayload(bytes) : null;

    /// <summary>Writes the field as NULLABLE_BYTES (int32 length + bytes), or compact when flexible.</summary>
    public static void Write(KafkaWriter writer, RecordsPayload? payload, bool compact = false)
    {
        if (payload is null)
        {
            writer.WriteArrayLength(-1, compact);
            return;
        }
        int length = payload.Length;
        if (compact)
            writer.WriteUnsignedVarint((uint)length + 1);
        else
            writer.WriteInt32(length);
        if (length == 0)
            return;
        var span = writer.Output.GetSpan(length);
        payload.CopyTo(span[..length]);
        writer.Output.Advance(length);
    }
}

/// <summary>Records held in memory (a slice of a frame, or bytes built by a producer).</summary>
public sealed class MemoryRecordsPayload(ReadOnlyMemory<byte> bytes) : RecordsPayload
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;
    public override int Length => Bytes.Length;
    public override void CopyTo(Span<byte> destination) => Bytes.Span.CopyTo(destination);
}
