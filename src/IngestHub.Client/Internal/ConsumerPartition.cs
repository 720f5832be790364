namespace IngestHub.Client.Internal;

/// <summary>Consumer-side state of one assigned partition. Guarded by the fetcher's lock.</summary>
internal sealed class ConsumerPartition(TopicPartition topicPartition)
{
    public TopicPartition TopicPartition { get; } = topicPartition;
    /// <summary>Next offset handed to the application; -1 until resolved (committed offset or reset policy).</summary>
    public long Position { get; set; } = -1;
    /// <summary>Next offset to fetch (ahead of <see cref="Position"/> by what is prefetched).</summary>
    public long FetchPosition { get; set; } = -1;
    public bool Paused { get; set; }
    /// <summary>Changes on seek, pause and reset so prefetched chunks from before are dropped.</summary>
    public int Epoch { get; set; }
    public int QueuedChunks { get; set; }
    public bool Resolving { get; set; }
    public long HighWatermark { get; set; } = -1;

    public void MoveTo(long offset)
    {
        Position = offset;
        FetchPosition = offset;
        Epoch++;
        QueuedChunks = 0;
    }
}
