namespace IngestHub.Monitoring;

/// <summary>Burrow's partition states, plus <see cref="Incomplete"/>: the partition has lag but fewer commits have
/// been observed than the window holds, so the trend rules cannot judge it yet.</summary>
public enum PartitionLagStatus
{
    Ok,
    Incomplete,
    Warning,
    Stall,
    Stop,
    Rewind,
}
