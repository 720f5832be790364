namespace IngestHub.Client.Internal;

/// <summary>What one partition of one Fetch response yielded, queued for the application in offset order: decoded
/// records, or one batch that could not be decoded (<see cref="Failure"/>, raised in place of its records).</summary>
internal sealed class FetchedChunk
{
    private static readonly List<ConsumeResult> NoRecords = [];

    public FetchedChunk(ConsumerPartition partition, int epoch, List<ConsumeResult> records)
    {
        Partition = partition;
        Epoch = epoch;
        Records = records;
    }

    public FetchedChunk(ConsumerPartition partition, int epoch, RecordBatchDecodeException failure)
    {
        Partition = partition;
        Epoch = epoch;
        Records = NoRecords;
        Failure = failure;
    }

    public ConsumerPartition Partition { get; }
    public int Epoch { get; }
    public List<ConsumeResult> Records { get; }
    public RecordBatchDecodeException? Failure { get; }
    public int Next { get; set; }
}
