namespace IngestHub.Broker.Groups;

/// <summary>Kafka's classic group states; the names are what DescribeGroups reports.</summary>
public enum GroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}
