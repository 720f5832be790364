using System.Runtime.CompilerServices;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// A task's input queue: producers hand over whole batches under one lock, the owning executor drains many at
/// once. A bounded inbox makes producers wait while it is full (backpressure); the acking protocol's inboxes are
/// unbounded (their size is bounded by the pending tuples) so that acks can never deadlock against data.
/// The consumer is woken only when the inbox goes from empty to non-empty.
/// </summary>
internal sealed class Inbox<T>
{
    private readonly object _lock = new();
    private readonly int _capacity;
    private readonly Func<bool> _abandoned;
    private T[] _ring;
    private int _head;
    private int _count;
    private int _waitingProducers;
    private Executor? _consumer;

    /// <param name="capacity">Items beyond which producers wait; <see cref="int.MaxValue"/> for unbounded.</param>
    /// <param name="abandoned">True once the topology is being killed: waiting producers give up.</param>
    public Inbox(int capacity, Func<bool> abandoned)
    {
        _capacity = capacity;
        _abandoned = abandoned;
        _ring = new T[capacity == int.MaxValue ? 256 : Math.Min(RoundUp(capacity), 1024)];
    }

    public int Count => Volatile.Read(ref _count);

    public int Capacity => _capacity;

    public Executor? Consumer
    {
        get => Volatile.Read(ref _consumer);
        set => Volatile.Write(ref _consumer, value);
    }

    /// <summary>Appends the batch, waiting while a bounded inbox is full. False when the topology was killed meanwhile.</summary>
    public bool Offer(ReadOnlySpan<T> items)
    {
        if (items.IsEmpty)
            return true;
        bool wasEmpty;
        lock (_lock)
        {
            // An empty inbox takes any batch, so a batch larger than the capacity cannot wait forever.
            while (_count > 0 && _count + items.Length > _capacity)
            {
                if (_abandoned())
                    return false;
                _waitingProducers++;
                Monitor.Wait(_lock, 20);
                _waitingProducers--;
            }
            int needed = _count + items.Length;
            if (needed > _ring.Length)
                Grow(needed);
            int tail = (_head + _count) & (_ring.Length - 1);
            int first = Math.Min(items.Length, _ring.Length - tail);
            items[..first].CopyTo(_ring.AsSpan(tail));
            if (first < items.Length)
                items[first..].CopyTo(_ring);
            wasEmpty = _count == 0;
            Volatile.Write(ref _count, needed);
        }
        if (wasEmpty)
            Consumer?.Wake();
        return true;
    }

    /// <summary>Moves up to <c>into.Length</c> items out, oldest first.</summary>
    public int Drain(Span<T> into)
    {
        if (Volatile.Read(ref _count) == 0)
            return 0;
        lock (_lock)
        {
            int n = Math.Min(_count, into.Length);
            int first = Math.Min(n, _ring.Length - _head);
            _ring.AsSpan(_head, first).CopyTo(into);
            if (first < n)
                _ring.AsSpan(0, n - first).CopyTo(into[first..]);
            if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            {
                Array.Clear(_ring, _head, first);
                if (first < n)
                    Array.Clear(_ring, 0, n - first);
            }
            _head = (_head + n) & (_ring.Length - 1);
            Volatile.Write(ref _count, _count - n);
            if (_waitingProducers > 0)
                Monitor.PulseAll(_lock);
            return n;
        }
    }

    private void Grow(int needed)
    {
        var next = new T[RoundUp(needed)];
        int first = Math.Min(_count, _ring.Length - _head);
        Array.Copy(_ring, _head, next, 0, first);
        Array.Copy(_ring, 0, next, first, _count - first);
        _ring = next;
        _head = 0;
    }

    private static int RoundUp(int n) => n <= 16 ? 16 : (int)Math.Min(1u << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)n));
}
