using IngestHub.Client;

namespace IngestHub.Monitoring;

/// <summary>One group's evaluated lag at a sample: state, members, partitions, Burrow group status (worst partition),
/// total lag, the partition with the most lag, and the fraction of partitions whose window is complete.</summary>
public sealed record GroupLagReport(
    string GroupId,
    string State,
    string ProtocolType,
    string Protocol,
    IReadOnlyList<GroupMemberDescription> Members,
    IReadOnlyList<PartitionLagReport> Partitions,
    GroupLagStatus Status,
    long TotalLag,
    double Complete,
    long EvaluatedAtMs)
{
    public PartitionLagReport? MaxLag
    {
        get
        {
            PartitionLagReport? max = null;
            foreach (var p in Partitions)
                if (max is null || p.Lag > max.Lag)
                    max = p;
            return max;
        }
    }
}
