using System.IO.Hashing;

namespace IngestHub.Storage.Compaction;

/// <summary>
/// Key → latest offset over the dirty part of a log, bounded in memory: keys are held as their 128-bit
/// XxHash (as Kafka holds an MD5 digest), so a collision would need two keys with the same 128-bit hash.
/// When <see cref="Capacity"/> keys are held the map is full and the cleaner cleans only up to where it got.
/// </summary>
internal sealed class OffsetMap
{
    /// <summary>Bytes one entry costs in a <see cref="Dictionary{TKey,TValue}"/> (hash, offset, bucket, next).</summary>
    public const int BytesPerEntry = 48;

    private readonly Dictionary<UInt128, long> _latest = [];

    public OffsetMap(long memoryBytes) => Capacity = (int)Math.Clamp(memoryBytes / BytesPerEntry, 16, int.MaxValue / 2);

    public int Capacity { get; }
    public int Count => _latest.Count;
    public bool IsFull => _latest.Count >= Capacity;

    public static UInt128 Hash(ReadOnlySpan<byte> key) => XxHash128.HashToUInt128(key);

    /// <summary>Records that <paramref name="key"/> was written at <paramref name="offset"/> (offsets only grow).</summary>
    public void Put(UInt128 key, long offset) => _latest[key] = offset;

    /// <summary>Whether the record at <paramref name="offset"/> is the latest for its key (or its key is not in the
    /// map: then it lies beyond what the map covers, or nothing newer exists).</summary>
    public bool IsLatest(UInt128 key, long offset) => !_latest.TryGetValue(key, out long latest) || offset >= latest;

    public void Clear() => _latest.Clear();
}
