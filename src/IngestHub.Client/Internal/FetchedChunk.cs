namespace IngestHub.Client.Internal;

/// <summary>Records decoded from one partition of one Fetch response, queued for the application.</summary>
internal sealed class FetchedChunk(ConsumerPartition partition, int epoch, List<ConsumeResult> records)
{
    public ConsumerPartition Partition { get; } = partition;
    public int Epoch { get; } = epoch;
    public List<ConsumeResult> Records { get; } = records;
    public int Next { get; set; }
}
