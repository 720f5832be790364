namespace IngestHub.Streams.Bolts;

/// <summary>The source positions seen in one pane of one partition: a bitmap in 4,096-offset chunks for records
/// (one bit each), a set for the second and later tuples derived from one record.</summary>
internal sealed class OffsetSet
{
    private readonly Dictionary<long, ulong[]> _chunks = [];
    private HashSet<(long Offset, long Index)>? _derived;

    public bool Contains(long offset, long index)
    {
        if (index != 0)
            return _derived?.Contains((offset, index)) == true;
        return _chunks.TryGetValue(offset >> 12, out var bits) && (bits[(int)(offset & 4095) >> 6] & (1UL << (int)(offset & 63))) != 0;
    }

    /// <summary>Adds the position; false when it was there already (a replayed duplicate).</summary>
    public bool Add(long offset, long index)
    {
        if (index != 0)
            return (_derived ??= []).Add((offset, index));
        long chunk = offset >> 12;
        if (!_chunks.TryGetValue(chunk, out var bits))
            _chunks[chunk] = bits = new ulong[64];
        int bit = (int)(offset & 4095);
        ulong mask = 1UL << (bit & 63);
        ref ulong word = ref bits[bit >> 6];
        if ((word & mask) != 0)
            return false;
        word |= mask;
        return true;
    }
}
