namespace IngestHub.Broker;

/// <summary>Records and bytes produced to and fetched from one topic since the broker started.</summary>
public sealed class BrokerTopicTraffic(string topic)
{
    private long _producedRecords;
    private long _producedBytes;
    private long _fetchedRecords;
    private long _fetchedBytes;

    public string Topic { get; } = topic;
    public long ProducedRecords => Interlocked.Read(ref _producedRecords);
    public long ProducedBytes => Interlocked.Read(ref _producedBytes);
    public long FetchedRecords => Interlocked.Read(ref _fetchedRecords);
    public long FetchedBytes => Interlocked.Read(ref _fetchedBytes);

    internal void AddProduced(int records, int bytes)
    {
        Interlocked.Add(ref _producedRecords, records);
        Interlocked.Add(ref _producedBytes, bytes);
    }

    internal void AddFetched(int records, int bytes)
    {
        Interlocked.Add(ref _fetchedRecords, records);
        Interlocked.Add(ref _fetchedBytes, bytes);
    }
}
