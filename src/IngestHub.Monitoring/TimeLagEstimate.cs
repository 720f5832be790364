namespace IngestHub.Monitoring;

/// <summary>Seconds since the next record a group has to read was produced; <see cref="LowerBound"/> when the
/// history did not reach back far enough to know (the true lag is at least this).</summary>
public readonly record struct TimeLagEstimate(double Seconds, bool LowerBound);
