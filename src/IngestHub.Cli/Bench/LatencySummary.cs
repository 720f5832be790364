namespace IngestHub.Cli.Bench;

/// <summary>Latency percentiles in milliseconds over <see cref="Samples"/> measurements.</summary>
public sealed record LatencySummary(double P50Ms, double P99Ms, double P999Ms, double MaxMs, int Samples);
