using System.Text;
using Xunit;

namespace IngestHub.Client.Tests;

public sealed class Murmur2Tests
{
    // Values from the Java client's own test of Utils.murmur2.
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Hash_matches_java_client_values(string key, int expected) =>
        Assert.Equal(expected, Murmur2.Hash(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void Hash_matches_a_straightforward_transcription_of_the_java_algorithm()
    {
        var random = new Random(7);
        for (int n = 0; n < 500; n++)
        {
            var data = new byte[random.Next(0, 40)];
            random.NextBytes(data);
            Assert.Equal(ReferenceMurmur2(data), Murmur2.Hash(data));
        }
    }

    [Fact]
    public void Partition_is_to_positive_hash_modulo_partition_count()
    {
        foreach (string key in new[] { "21", "foobar", "abc", "key-1", "key-2", "" })
        {
            byte[] bytes = Encoding.UTF8.GetBytes(key);
            Assert.Equal((ReferenceMurmur2(bytes) & 0x7fffffff) % 7, Murmur2.Partition(bytes, 7));
        }
    }

    [Fact]
    public void Crc32_partitioner_uses_zlib_crc32()
    {
        // CRC-32 check value of "123456789".
        Assert.Equal(0xCBF43926u, Crc32Partitioner.Crc32("123456789"u8));
        Assert.Equal((int)(0xCBF43926u % 5), Crc32Partitioner.Partition("123456789"u8, 5));
    }

    // Signed 32-bit arithmetic with logical shifts, exactly as the Java source reads.
    private static int ReferenceMurmur2(byte[] data)
    {
        int length = data.Length;
        int seed = unchecked((int)0x9747b28c);
        const int m = 0x5bd1e995;
        const int r = 24;
        int h = seed ^ length;
        int length4 = length / 4;
        unchecked
        {
            for (int i = 0; i < length4; i++)
            {
                int i4 = i * 4;
                int k = (data[i4 + 0] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
                k *= m;
                k ^= (int)((uint)k >> r);
                k *= m;
                h *= m;
                h ^= k;
            }
            int rest = length % 4;
            if (rest >= 3)
                h ^= (data[(length & ~3) + 2] & 0xff) << 16;
            if (rest >= 2)
                h ^= (data[(length & ~3) + 1] & 0xff) << 8;
            if (rest >= 1)
            {
                h ^= data[length & ~3] & 0xff;
                h *= m;
            }
            h ^= (int)((uint)h >> 13);
            h *= m;
            h ^= (int)((uint)h >> 15);
        }
        return h;
    }
}
