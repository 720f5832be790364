namespace IngestHub.Client;

/// <summary>librdkafka's <c>consistent_random</c> key mapping: <c>crc32(key) % partitions</c> with the zlib CRC-32.</summary>
public static class Crc32Partitioner
{
    private static readonly uint[] Table = BuildTable();

    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    public static int Partition(ReadOnlySpan<byte> key, int numPartitions) => (int)(Crc32(key) % (uint)numPartitions);

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }
}
