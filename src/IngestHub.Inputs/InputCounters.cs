namespace IngestHub.Inputs;

/// <summary>Accepted and rejected records of one input (http, otlp, syslog), read by /metrics and the dashboard.</summary>
public sealed class InputCounters(string name)
{
    private long _accepted;
    private long _rejected;
    private long _requests;

    public string Name { get; } = name;
    public long Accepted => Interlocked.Read(ref _accepted);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Requests => Interlocked.Read(ref _requests);

    public void CountRequest() => Interlocked.Increment(ref _requests);
    public void CountAccepted(long records) => Interlocked.Add(ref _accepted, records);
    public void CountRejected(long records) => Interlocked.Add(ref _rejected, records);
}
