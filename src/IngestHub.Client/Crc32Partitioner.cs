using System.IO.Hashing;

namespace IngestHub.Client;

/// <summary>librdkafka's <c>consistent_random</c> key mapping: <c>crc32(key) % partitions</c> with the zlib CRC-32
/// (System.IO.Hashing).</summary>
public static class Crc32Partitioner
{
    public static uint Crc32(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);

    public static int Partition(ReadOnlySpan<byte> key, int numPartitions) => (int)(Crc32(key) % (uint)numPartitions);
}
