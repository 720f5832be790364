namespace IngestHub.Streams;

/// <summary>Storm UI's topology states, plus FAILED for a topology whose task could not start or whose executor crashed.</summary>
public enum TopologyState
{
    Active,
    Inactive,
    Rebalancing,
    Killed,
    Failed,
}
