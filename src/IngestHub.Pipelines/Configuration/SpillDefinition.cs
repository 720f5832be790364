using System.Text.Json.Nodes;

namespace IngestHub.Pipelines.Configuration;

/// <summary>
/// The <c>autoscale.spill:</c> section: when the workers already equal the partitions and the lag stays above
/// <see cref="Threshold"/> for <see cref="After"/>, the backlog is relayed unprocessed to a temporary topic with
/// <see cref="Factor"/> times the partitions and drained there by up to <see cref="MaxWorkers"/> workers (0: one per
/// spill partition); once the spill's own lag is at most <see cref="SwitchBackLag"/> the connector switches back.
/// </summary>
public sealed record SpillDefinition(bool Enabled, long Threshold, TimeSpan After, int Factor, int MaxWorkers, long SwitchBackLag)
{
    private static readonly string[] Keys = ["enabled", "threshold", "after", "factor", "maxWorkers", "switchBackLag"];

    public static SpillDefinition Parse(SettingsReader s, long lagThreshold)
    {
        s.RejectUnknownKeys(Keys);
        return new SpillDefinition(
            s.Bool("enabled", true),
            s.Long("threshold", 100_000, 1),
            s.Duration("after", TimeSpan.FromSeconds(60), TimeSpan.Zero, TimeSpan.FromDays(1)),
            s.Int("factor", 10, 2, 100),
            s.Int("maxWorkers", 0, 0, PipelineDefinition.MaxWorkers),
            s.Long("switchBackLag", lagThreshold, 0));
    }

    public JsonObject ToJson() => new()
    {
        ["enabled"] = Enabled,
        ["threshold"] = Threshold,
        ["after"] = SettingsReader.FormatDuration(After),
        ["factor"] = Factor,
        ["maxWorkers"] = MaxWorkers,
        ["switchBackLag"] = SwitchBackLag,
    };
}
