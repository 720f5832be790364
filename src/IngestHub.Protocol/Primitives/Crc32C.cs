using System.Buffers.Binary;
using System.Numerics;

namespace IngestHub.Protocol.Primitives;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of Kafka record batches and of the broker's own offset log: the processor's
/// CRC32 instruction eight bytes at a time (SSE4.2 / ARMv8; a software fallback inside
/// <see cref="BitOperations.Crc32C(uint, ulong)"/> elsewhere).
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
