namespace IngestHub.Pipelines.Runtime;

/// <summary>Thread-safe running totals of one connector (workers add, status reads).</summary>
internal sealed class ConnectorCounterSet
{
    private long _in, _out, _filtered, _failed, _deadLettered, _batches, _retries, _undecodable, _relayed;

    public void AddIn(long n) => Interlocked.Add(ref _in, n);
    public void AddOut(long n) => Interlocked.Add(ref _out, n);
    public void AddFiltered(long n) => Interlocked.Add(ref _filtered, n);
    public void AddFailed(long n) => Interlocked.Add(ref _failed, n);
    public void AddDeadLettered(long n) => Interlocked.Add(ref _deadLettered, n);
    public void AddBatch() => Interlocked.Increment(ref _batches);
    public void AddRetry() => Interlocked.Increment(ref _retries);
    public void AddUndecodableBatch() => Interlocked.Increment(ref _undecodable);
    public void AddRelayed(long n) => Interlocked.Add(ref _relayed, n);

    public ConnectorCounters Snapshot() => new(
        Interlocked.Read(ref _in), Interlocked.Read(ref _out), Interlocked.Read(ref _filtered), Interlocked.Read(ref _failed),
        Interlocked.Read(ref _deadLettered), Interlocked.Read(ref _batches), Interlocked.Read(ref _retries), Interlocked.Read(ref _undecodable),
        Interlocked.Read(ref _relayed));
}
