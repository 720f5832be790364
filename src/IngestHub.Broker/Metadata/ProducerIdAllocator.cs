using IngestHub.Storage;

namespace IngestHub.Broker.Metadata;

/// <summary>
/// Hands out producer ids that are never reused, even across a kill -9: ids are reserved in blocks whose upper
/// bound is persisted (fsynced) before any id of the block is given out.
/// </summary>
public sealed class ProducerIdAllocator
{
    private const string FileName = "producer-ids";
    private const long BlockSize = 1000;
    private readonly string _path;
    private readonly Lock _lock = new();
    private long _next;
    private long _reservedUntil;

    private readonly long _idBase;

    /// <summary><paramref name="idBase"/> is added to every id: brokers of a cluster each take their own range
    /// (node id × 2^40), so no two brokers hand out the same producer id.</summary>
    public ProducerIdAllocator(string dataDir, long idBase = 0)
    {
        _idBase = idBase;
        _path = Path.Combine(dataDir, FileName);
        long persisted = 0;
        if (File.Exists(_path) && long.TryParse(File.ReadAllText(_path).Trim(), out long value))
            persisted = value;
        // Ids below the persisted bound may have been handed out before a crash: start past it.
        _next = persisted;
        _reservedUntil = persisted;
    }

    public long Allocate()
    {
        lock (_lock)
        {
            if (_next >= _reservedUntil)
            {
                _reservedUntil = _next + BlockSize;
                AtomicFile.WriteAllText(_path, _reservedUntil.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            return _idBase + _next++;
        }
    }
}
