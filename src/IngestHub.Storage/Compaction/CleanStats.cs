namespace IngestHub.Storage.Compaction;

/// <summary>What one clean of one log did.</summary>
public struct CleanStats
{
    public long BytesRead;
    public long BytesWritten;
    public long BatchesRead;
    public long SupersededDropped;
    public long TombstonesDropped;
    /// <summary>Records without a key, dropped (they can only predate the topic becoming compacted).</summary>
    public long KeylessDropped;
    /// <summary>Batches kept unchanged because their records could not be decoded.</summary>
    public long UndecodableBatches;
    public int SegmentsBefore;
    public int SegmentsAfter;
}
