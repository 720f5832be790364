using System.Text.Json.Nodes;

namespace IngestHub.Pipelines.Configuration;

/// <summary>
/// The <c>autoscale:</c> section of a connector: worker bounds, the lag one worker is expected to handle
/// (<see cref="LagThreshold"/>), the lag that wakes a connector scaled to zero (<see cref="ActivationLag"/>), how long
/// a lower recommendation must hold before workers are removed (<see cref="ScaleDownStabilization"/>), how often the
/// policy runs, how long a partition's committed offset may stand still while others move before it counts as
/// stalled (<see cref="StallAfter"/>), and the spill settings.
/// </summary>
public sealed record AutoscaleDefinition(
    int Min,
    int Max,
    long LagThreshold,
    long ActivationLag,
    TimeSpan ScaleDownStabilization,
    TimeSpan Interval,
    TimeSpan StallAfter,
    SpillDefinition Spill)
{
    private static readonly string[] Keys = ["min", "max", "lagThreshold", "activationLag", "scaleDownStabilization", "interval", "stallAfter", "spill"];

    public static AutoscaleDefinition Parse(SettingsReader s)
    {
        s.RejectUnknownKeys(Keys);
        int min = s.Int("min", 1, 0, PipelineDefinition.MaxWorkers);
        int max = s.Int("max", Math.Max(10, min), 1, PipelineDefinition.MaxWorkers);
        if (max < min)
            throw new ConfigException(s.KeyOf("max"), $"must be at least min ({min}), got {max}");
        long lagThreshold = s.Long("lagThreshold", 1_000, 1);
        return new AutoscaleDefinition(
            min,
            max,
            lagThreshold,
            s.Long("activationLag", 0, 0),
            s.Duration("scaleDownStabilization", TimeSpan.FromSeconds(300), TimeSpan.Zero, TimeSpan.FromDays(1)),
            s.Duration("interval", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            s.Duration("stallAfter", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            SpillDefinition.Parse(s.Section("spill"), lagThreshold));
    }

    public JsonObject ToJson() => new()
    {
        ["min"] = Min,
        ["max"] = Max,
        ["lagThreshold"] = LagThreshold,
        ["activationLag"] = ActivationLag,
        ["scaleDownStabilization"] = SettingsReader.FormatDuration(ScaleDownStabilization),
        ["interval"] = SettingsReader.FormatDuration(Interval),
        ["stallAfter"] = SettingsReader.FormatDuration(StallAfter),
        ["spill"] = Spill.ToJson(),
    };
}
