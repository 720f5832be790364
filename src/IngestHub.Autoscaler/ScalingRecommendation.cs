namespace IngestHub.Autoscaler;

/// <summary>What the policy recommends and why: the inputs it used and the reason in words.</summary>
public sealed record ScalingRecommendation(
    int Workers,
    long TotalLag,
    long CountedLag,
    int PartitionsWithLag,
    int Raw,
    bool Active,
    string Reason);
