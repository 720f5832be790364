namespace IngestHub.Server.Monitoring;

/// <summary>Burrow's partition states.</summary>
public enum PartitionLagStatus
{
    Ok,
    Warning,
    Stall,
    Stop,
    Rewind,
}
