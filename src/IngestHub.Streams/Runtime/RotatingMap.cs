using System.Runtime.InteropServices;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// Storm's RotatingMap: entries live in the newest of a few buckets; each rotation drops the oldest bucket. With
/// three buckets rotated every timeout/2, an entry expires between one and one and a half timeouts after it
/// was last put or touched — never before the timeout.
/// </summary>
internal sealed class RotatingMap<TValue>
{
    private readonly Dictionary<long, TValue>[] _buckets;

    public RotatingMap(int buckets = 3)
    {
        _buckets = new Dictionary<long, TValue>[buckets];
        for (int i = 0; i < buckets; i++)
            _buckets[i] = [];
    }

    public int Count
    {
        get
        {
            int n = 0;
            foreach (var b in _buckets)
                n += b.Count;
            return n;
        }
    }

    public void Add(long key, TValue value) => _buckets[0][key] = value;

    /// <summary>The entry for <paramref name="key"/>, added (default) to the newest bucket when absent.</summary>
    public ref TValue GetOrAdd(long key, out bool existed)
    {
        for (int i = 0; i < _buckets.Length; i++)
        {
            ref var found = ref CollectionsMarshal.GetValueRefOrNullRef(_buckets[i], key);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref found))
            {
                existed = true;
                return ref found!;
            }
        }
        existed = false;
        return ref CollectionsMarshal.GetValueRefOrAddDefault(_buckets[0], key, out _)!;
    }

    public bool Remove(long key, out TValue value)
    {
        foreach (var bucket in _buckets)
        {
            if (bucket.Remove(key, out value!))
                return true;
        }
        value = default!;
        return false;
    }

    /// <summary>Moves the entry to the newest bucket (restarting its timeout); false when absent.</summary>
    public bool Touch(long key)
    {
        for (int i = 1; i < _buckets.Length; i++)
        {
            if (_buckets[i].Remove(key, out var value))
            {
                _buckets[0][key] = value;
                return true;
            }
        }
        return _buckets[0].ContainsKey(key);
    }

    /// <summary>Drops the oldest bucket, returning its entries (they expired).</summary>
    public Dictionary<long, TValue> Rotate()
    {
        var expired = _buckets[^1];
        for (int i = _buckets.Length - 1; i > 0; i--)
            _buckets[i] = _buckets[i - 1];
        _buckets[0] = [];
        return expired;
    }
}
