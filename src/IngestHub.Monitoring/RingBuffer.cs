namespace IngestHub.Monitoring;

/// <summary>A fixed-capacity, thread-safe buffer keeping the newest items; the sampler writes, requests read copies.</summary>
public sealed class RingBuffer<T>(int capacity)
{
    private readonly T[] _items = new T[Math.Max(1, capacity)];
    private readonly Lock _gate = new();
    private int _start;
    private int _count;

    public int Capacity => _items.Length;

    public int Count
    {
        get
        {
            lock (_gate)
                return _count;
        }
    }

    public void Add(T item)
    {
        lock (_gate)
        {
            if (_count < _items.Length)
            {
                _items[(_start + _count) % _items.Length] = item;
                _count++;
            }
            else
            {
                _items[_start] = item;
                _start = (_start + 1) % _items.Length;
            }
        }
    }

    /// <summary>Replaces the newest item (adds when empty).</summary>
    public void ReplaceLast(T item)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                _items[_start] = item;
                _count = 1;
            }
            else
            {
                _items[(_start + _count - 1) % _items.Length] = item;
            }
        }
    }

    /// <summary>The newest <paramref name="max"/> items (all by default), oldest first.</summary>
    public T[] Snapshot(int max = int.MaxValue)
    {
        lock (_gate)
        {
            int n = Math.Min(Math.Max(0, max), _count);
            var copy = new T[n];
            int first = _start + _count - n;
            for (int i = 0; i < n; i++)
                copy[i] = _items[(first + i) % _items.Length];
            return copy;
        }
    }

    /// <summary>The newest item, or default when empty.</summary>
    public T? Last()
    {
        lock (_gate)
            return _count == 0 ? default : _items[(_start + _count - 1) % _items.Length];
    }
}
