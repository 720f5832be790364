namespace IngestHub.Broker.Groups;

/// <summary>A topic partition as the coordinator keys committed offsets.</summary>
public readonly record struct GroupPartition(string Topic, int Partition);
