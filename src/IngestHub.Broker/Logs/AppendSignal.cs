namespace IngestHub.Broker.Logs;

/// <summary>
/// Wakes long-polling fetches when a partition grows: waiters take the current task, an append completes it and
/// installs a fresh one. Lock-free; completion runs continuations asynchronously so the appender never runs
/// fetch code.
/// </summary>
public sealed class AppendSignal
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the next <see cref="Notify"/>.</summary>
    public Task NextAppend => Volatile.Read(ref _current).Task;

    public void Notify()
    {
        var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var previous = Interlocked.Exchange(ref _current, fresh);
        previous.TrySetResult();
    }
}
