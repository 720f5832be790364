namespace IngestHub.Autoscaler;

/// <summary>A target at one evaluation, for the timeline: source lag, spill lag, desired and running workers of the
/// source and the spill pool, and the spill phase.</summary>
public readonly record struct AutoscaleSample(long AtMs, long SourceLag, long SpillLag, int Desired, int Actual, int SpillWorkers, SpillPhase Phase);
