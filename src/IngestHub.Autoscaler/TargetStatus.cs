using IngestHub.Pipelines.Configuration;

namespace IngestHub.Autoscaler;

/// <summary>A target's state after its last evaluation, for the API, the dashboard, the CLI and /metrics.</summary>
public sealed record TargetStatus
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required string GroupId { get; init; }
    public required IReadOnlyList<string> Topics { get; init; }
    public AutoscaleDefinition? Policy { get; init; }
    public int Desired { get; init; }
    public int Actual { get; init; }
    public ScalingRecommendation? Recommendation { get; init; }
    public long TotalLag { get; init; }
    public IReadOnlyList<PartitionScaleStatus> Partitions { get; init; } = [];
    public PartitionScaleStatus? HotPartition { get; init; }
    public SpillState? Spill { get; init; }
    public int SpillWorkers { get; init; }
    public int SpillDesired { get; init; }
    public long SpillLag { get; init; }
    public string? SpillPoolState { get; init; }
    public long LastEvaluatedMs { get; init; }
    public string? LastError { get; init; }
    public IReadOnlyList<AutoscaleEvent> Events { get; init; } = [];
    public IReadOnlyList<AutoscaleSample> Samples { get; init; } = [];
    /// <summary>Decisions and phase changes since the autoscaler started watching, by kind.</summary>
    public IReadOnlyDictionary<string, long> Decisions { get; init; } = new Dictionary<string, long>();

    public SpillPhase Phase => Spill?.Phase ?? SpillPhase.Normal;

    /// <summary>STALL when some partition is stalled, else OK.</summary>
    public string Status => Partitions.Any(p => p.Stalled) ? "STALL" : "OK";
}
