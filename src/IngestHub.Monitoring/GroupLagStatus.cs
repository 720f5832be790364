namespace IngestHub.Monitoring;

/// <summary>Burrow's group states: the worst of the group's partitions.</summary>
public enum GroupLagStatus
{
    Ok,
    Warn,
    Err,
}
