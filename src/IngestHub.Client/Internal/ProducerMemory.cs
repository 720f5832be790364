using IngestHub.Protocol;

namespace IngestHub.Client.Internal;

/// <summary>
/// The producer's buffer.memory: records reserve their size before they are queued and release it when their
/// batch completes. When it is full, reservations wait in FIFO order (backpressure) instead of growing queues.
/// </summary>
internal sealed class ProducerMemory(long capacity)
{
    private readonly object _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _used;

    public long Capacity { get; } = capacity;
    public long Used => Interlocked.Read(ref _used);
    public int Waiting
    {
        get
        {
            lock (_lock)
                return _waiters.Count;
        }
    }

    public ValueTask ReserveAsync(int bytes, int timeoutMs, CancellationToken cancellationToken)
    {
        if (bytes > Capacity)
            throw new KafkaException(ErrorCode.RecordListTooLarge, $"record of {bytes} bytes exceeds buffer.memory ({Capacity})");
        Waiter waiter;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _used + bytes <= Capacity)
            {
                _used += bytes;
                return default;
            }
            waiter = new Waiter(bytes);
            waiter.Node = _waiters.AddLast(waiter);
        }
        return new ValueTask(WaitAsync(waiter, timeoutMs, cancellationToken));
    }

    private async Task WaitAsync(Waiter waiter, int timeoutMs, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Granted.Task.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(timeoutMs, 0)), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            bool granted;
            lock (_lock)
            {
                granted = waiter.Granted.Task.IsCompleted;
                if (!granted)
                    _waiters.Remove(waiter.Node!);
            }
            if (granted)
                Release(waiter.Bytes);
            if (ex is OperationCanceledException)
                throw;
            throw new KafkaException(ErrorCode.RequestTimedOut,
                $"buffer.memory ({Capacity} bytes) stayed full for {timeoutMs} ms (max.block.ms / delivery.timeout.ms); the broker is not accepting records fast enough or is unreachable");
        }
    }

    public void Release(int bytes)
    {
        List<Waiter>? wake = null;
        lock (_lock)
        {
            _used -= bytes;
            while (_waiters.First is { } first && _used + first.Value.Bytes <= Capacity)
            {
                _waiters.RemoveFirst();
                _used += first.Value.Bytes;
                (wake ??= []).Add(first.Value);
            }
        }
        if (wake is null)
            return;
        foreach (var waiter in wake)
            waiter.Granted.TrySetResult();
    }

    private sealed class Waiter(int bytes)
    {
        public int Bytes { get; } = bytes;
        public LinkedListNode<Waiter>? Node { get; set; }
        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
