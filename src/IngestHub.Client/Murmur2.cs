namespace IngestHub.Client;

/// <summary>The Java client's murmur2 (seed 0x9747b28c) and its default key → partition mapping.</summary>
public static class Murmur2
{
    public static int Hash(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        int length = data.Length;
        uint h = 0x9747b28c ^ (uint)length;
        int whole = length & ~3;
        for (int i = 0; i < whole; i += 4)
        {
            uint k = data[i] | ((uint)data[i + 1] << 8) | ((uint)data[i + 2] << 16) | ((uint)data[i + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        switch (length & 3)
        {
            case 3:
                h ^= (uint)data[whole + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[whole + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[whole];
                h *= m;
                break;
        }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)h;
    }

    /// <summary><c>toPositive(murmur2(key)) % numPartitions</c>, as the Java default partitioner.</summary>
    public static int Partition(ReadOnlySpan<byte> key, int numPartitions) => (Hash(key) & 0x7fffffff) % numPartitions;
}
