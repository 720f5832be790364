namespace IngestHub.Streams.Runtime;

/// <summary>Random non-zero 64-bit tuple ids, as Storm's: the XOR of a tree reaches zero by accident with probability 2⁻⁶⁴.</summary>
internal static class TupleIds
{
    public static long Next()
    {
        while (true)
        {
            long id = Random.Shared.NextInt64(long.MinValue, long.MaxValue);
            if (id != 0)
                return id;
        }
    }
}
