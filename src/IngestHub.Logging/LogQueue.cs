namespace IngestHub.Logging;

/// <summary>
/// The bounded queue between the application's log calls and the sender. Capacity counts every event held, queued
/// or in flight (handed to the producer and not yet acknowledged), so the memory bound and the dropped count are
/// exact: an event is either held, sent, or dropped and counted. Enqueue never waits: when full, the
/// <see cref="QueueFullMode"/> drops the new event or the oldest queued one.
/// </summary>
internal sealed class LogQueue : IDisposable
{
    private readonly object _lock = new();
    private readonly EncodedEvent[] _ring;
    private readonly long _bytesLimit;
    private readonly QueueFullMode _mode;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private int _head;
    private int _count;
    private int _inFlight;
    private long _heldBytes;
    private int _senderWaiting;
    private bool _abandoned;
    private long _received;
    private long _sent;
    private long _droppedQueueFull;
    private long _droppedOversize;
    private long _droppedRejected;
    private long _droppedInvalid;
    private long _droppedAtShutdown;

    public LogQueue(int capacity, long bytesLimit, QueueFullMode mode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesLimit, 1);
        _ring = new EncodedEvent[capacity];
        _bytesLimit = bytesLimit;
        _mode = mode;
    }

    public int Capacity => _ring.Length;

    /// <summary>Queues an event, or drops one per the full mode. Returns false when the given event was dropped.</summary>
    public bool Enqueue(in EncodedEvent item)
    {
        EncodedEvent evicted = default;
        bool accepted;
        lock (_lock)
        {
            _received++;
            while (IsFullFor(item.Size) && _mode == QueueFullMode.DropOldest && _count > 0)
            {
                if (evicted.Buffer is not null)
                    evicted.Return();
                evicted = _ring[_head];
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
                _heldBytes -= evicted.Size;
                _droppedQueueFull++;
            }
            accepted = !IsFullFor(item.Size);
            if (accepted)
            {
                _ring[(_head + _count) % _ring.Length] = item;
                _count++;
                _heldBytes += item.Size;
            }
            else
            {
                _droppedQueueFull++;
            }
        }
        if (evicted.Buffer is not null)
            evicted.Return();
        if (!accepted)
        {
            item.Return();
            return false;
        }
        WakeSender();
        return true;
    }

    private bool IsFullFor(int size) => _count + _inFlight >= _ring.Length || (_heldBytes + size > _bytesLimit && _heldBytes > 0);

    /// <summary>Counts an event that never reached the queue (too large, or its encoding failed).</summary>
    public void CountRefused(bool oversize)
    {
        lock (_lock)
        {
            _received++;
            if (oversize)
                _droppedOversize++;
            else
                _droppedInvalid++;
        }
    }

    /// <summary>Moves up to <paramref name="max"/> queued events into flight, keeping at most <paramref name="maxInFlight"/>
    /// in flight. When it takes nothing, the next enqueue or completion wakes <see cref="WaitAsync"/>.</summary>
    public int TakeBatch(List<EncodedEvent> into, int max, int maxInFlight)
    {
        lock (_lock)
        {
            int n = Math.Min(Math.Min(max, _count), Math.Max(maxInFlight - _inFlight, 0));
            if (n == 0)
            {
                // Armed under the lock: an enqueue after this sees the flag and wakes the sender.
                Volatile.Write(ref _senderWaiting, 1);
                return 0;
            }
            for (int i = 0; i < n; i++)
            {
                into.Add(_ring[_head]);
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
            }
            _count -= n;
            _inFlight += n;
            return n;
        }
    }

    /// <summary>Puts in-flight events back at the head of the queue, in their order (the producer did not take them
    /// or could not deliver them).</summary>
    public void Requeue(ReadOnlySpan<EncodedEvent> items)
    {
        lock (_lock)
        {
            if (_abandoned)
            {
                foreach (var item in items)
                    item.Return();
                return;
            }
            for (int i = items.Length - 1; i >= 0; i--)
            {
                _head = (_head - 1 + _ring.Length) % _ring.Length;
                _ring[_head] = items[i];
            }
            _count += items.Length;
            _inFlight -= items.Length;
        }
        WakeSender();
    }

    /// <summary>An in-flight event was acknowledged (sent) or refused for good by the broker.</summary>
    public void Complete(int size, bool sent)
    {
        lock (_lock)
        {
            if (_abandoned)
                return;
            _inFlight--;
            _heldBytes -= size;
            if (sent)
                _sent++;
            else
                _droppedRejected++;
        }
        WakeSender();
    }

    /// <summary>At shutdown: counts what is still held as dropped and returns the queued buffers.</summary>
    public long Abandon()
    {
        lock (_lock)
        {
            long held = _count + _inFlight;
            while (_count > 0)
            {
                _ring[_head].Return();
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
            }
            _droppedAtShutdown += held;
            _abandoned = true;
            _inFlight = 0;
            _heldBytes = 0;
            return held;
        }
    }

    public LogShippingStatistics Statistics()
    {
        lock (_lock)
            return new LogShippingStatistics(_received, _sent, _droppedQueueFull, _droppedOversize, _droppedRejected, _droppedInvalid,
                _droppedAtShutdown, _count, _inFlight, _heldBytes);
    }

    /// <summary>After <see cref="TakeBatch"/> took nothing: waits until an event is queued, one completes, or the timeout passes.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _signal.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _senderWaiting, 0);
        }
    }

    /// <summary>Wakes a waiting sender (to notice a stop request).</summary>
    public void Wake()
    {
        Volatile.Write(ref _senderWaiting, 1);
        WakeSender();
    }

    private void WakeSender()
    {
        if (Volatile.Read(ref _senderWaiting) == 0 || Interlocked.Exchange(ref _senderWaiting, 0) == 0)
            return;
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
    }

    public void Dispose() => _signal.Dispose();
}
