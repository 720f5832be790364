using System.Globalization;
using IngestHub.Pipelines.Configuration;

namespace IngestHub.Autoscaler;

/// <summary>
/// The recommendation, as KEDA's Kafka scaler computes it with <c>limitToPartitionsWithLag</c>: desired =
/// clamp(ceil(lag / lagThreshold), min, min(max, partitions with lag)). Lag of stalled partitions is left out, since
/// more workers do not unstick a consumer — such a partition may keep the workers there are, never add one. With
/// <c>min: 0</c> the target idles at zero workers until its total lag exceeds <c>activationLag</c>. Pure.
/// </summary>
public static class ScalingPolicy
{
    public static ScalingRecommendation Recommend(AutoscaleDefinition policy, IReadOnlyList<PartitionLoad> partitions, int current)
    {
        long total = 0, counted = 0;
        int withLag = 0, withLagIncludingStalled = 0;
        foreach (var p in partitions)
        {
            total += p.Lag;
            if (p.Lag > 0)
                withLagIncludingStalled++;
            if (p.Stalled)
                continue;
            counted += p.Lag;
            if (p.Lag > 0)
                withLag++;
        }
        bool active = total > policy.ActivationLag;
        if (policy.Min == 0 && !active)
            return new ScalingRecommendation(0, total, counted, withLag, 0, false,
                $"lag {N(total)} is not above activationLag {N(policy.ActivationLag)}: idle at 0 workers");

        int raw = Raw(counted, policy.LagThreshold);
        int workers = Clamp(raw, policy, withLag);
        string reason = $"lag {N(counted)} / lagThreshold {N(policy.LagThreshold)} = {raw}, capped at min(max {policy.Max}, {withLag} partitions with lag), at least min {policy.Min}";
        if (total != counted)
        {
            // Lag on stalled partitions may hold the workers there are, but never adds one.
            int withStalled = Clamp(Raw(total, policy.LagThreshold), policy, withLagIncludingStalled);
            if (withStalled > workers)
            {
                int held = Math.Min(withStalled, Math.Max(current, workers));
                if (held > workers)
                {
                    reason += $"; {N(total - counted)} lag on stalled partitions keeps {held} workers (no scale-up for it)";
                    workers = held;
                }
                else
                {
                    reason += $"; {N(total - counted)} lag on stalled partitions not counted (no scale-up for it)";
                }
            }
        }
        return new ScalingRecommendation(workers, total, counted, withLag, raw, true, reason + $" → {workers}");
    }

    private static int Raw(long lag, long threshold) => (int)Math.Min(int.MaxValue, (lag + threshold - 1) / threshold);

    private static int Clamp(int raw, AutoscaleDefinition policy, int withLag)
    {
        int workers = Math.Max(policy.Min, Math.Min(raw, Math.Min(policy.Max, withLag)));
        return policy.Min == 0 ? Math.Max(1, workers) : workers;
    }

    internal static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
