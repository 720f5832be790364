namespace IngestHub.Storage.Compaction;

/// <summary>A segment being cleaned was deleted meanwhile (retention, DeleteRecords, topic deletion): the clean is
/// abandoned and retried on the log as it is now.</summary>
public sealed class SegmentGoneException(long baseOffset) : Exception($"segment {baseOffset} was deleted while it was being cleaned")
{
    public long BaseOffset { get; } = baseOffset;
}
