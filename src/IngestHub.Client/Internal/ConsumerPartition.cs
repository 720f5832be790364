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
    /// <summary>False once the partition has left the assignment (its queued chunks are then dropped).</summary>
    public bool Assigned { get; set; } = true;
    /// <summary>Changes on seek, pause and reset so prefetched chunks from before are dropped.</summary>
    public int Epoch { get; set; }
    public int QueuedChunks { get; set; }
    public bool Resolving { get; set; }
    public long HighWatermark { get; set; } = -1;
    /// <summary>Fetches or offset lookups of this partition that failed since the last success.</summary>
    public int ConsecutiveFailures { get; set; }
    /// <summary>Consecutive fetch errors (or fetches without progress) for this partition.</summary>
    public ErrorStreak Errors { get; } = new();

    public void MoveTo(long offset)
    {
        Position = offset;
        FetchPosition = offset;
        Epoch++;
        QueuedChunks = 0;
    }
}
