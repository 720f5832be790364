using IngestHub.Pipelines.Configuration;
using Xunit;

namespace IngestHub.Autoscaler.Tests;

public sealed class ScalingPolicyTests
{
    private static AutoscaleDefinition Policy(int min = 1, int max = 8, long lagThreshold = 1_000, long activationLag = 0) =>
        AutoscaleDefinition.Parse(new SettingsReader(new() { ["min"] = min, ["max"] = max, ["lagThreshold"] = lagThreshold, ["activationLag"] = activationLag }));

    private static PartitionLoad[] Loads(params long[] lags) => [.. lags.Select((lag, i) => new PartitionLoad("t", i, lag, false))];

    [Theory]
    [InlineData(new long[] { 0, 0, 0, 0 }, 1)]          // no lag: min
    [InlineData(new long[] { 2_500, 0, 0, 0 }, 1)]      // ceil(2.5) = 3, but only one partition has lag
    [InlineData(new long[] { 2_500, 1, 0, 0 }, 2)]      // two partitions with lag
    [InlineData(new long[] { 1_000, 1_000, 1_000, 0 }, 3)]
    [InlineData(new long[] { 900_000, 900_000, 900_000, 900_000 }, 4)] // ceil(3600) capped at the four partitions with lag
    public void Desired_is_lag_over_threshold_capped_at_partitions_with_lag(long[] lags, int expected)
    {
        var recommendation = ScalingPolicy.Recommend(Policy(), Loads(lags), current: 1);
        Assert.Equal(expected, recommendation.Workers);
        Assert.Equal(lags.Sum(), recommendation.TotalLag);
    }

    [Fact]
    public void Max_and_min_bound_the_recommendation()
    {
        Assert.Equal(3, ScalingPolicy.Recommend(Policy(max: 3), Loads(5_000, 5_000, 5_000, 5_000, 5_000), 1).Workers);
        Assert.Equal(2, ScalingPolicy.Recommend(Policy(min: 2), Loads(0, 0, 0), 1).Workers);
    }

    [Fact]
    public void The_reason_names_the_inputs()
    {
        var recommendation = ScalingPolicy.Recommend(Policy(), Loads(180_000, 20_000), 1);
        Assert.Equal("lag 200,000 / lagThreshold 1,000 = 200, capped at min(max 8, 2 partitions with lag), at least min 1 → 2", recommendation.Reason);
        Assert.Equal(200, recommendation.Raw);
    }

    [Fact]
    public void With_min_zero_the_target_idles_until_lag_exceeds_activation_lag()
    {
        var policy = Policy(min: 0, activationLag: 100);
        var idle = ScalingPolicy.Recommend(policy, Loads(60, 40), 1);
        Assert.Equal(0, idle.Workers);
        Assert.False(idle.Active);
        var active = ScalingPolicy.Recommend(policy, Loads(61, 40), 0);
        Assert.Equal(1, active.Workers);
        Assert.True(active.Active);
    }

    [Fact]
    public void A_stalled_partition_adds_no_worker_but_keeps_the_ones_there_are()
    {
        PartitionLoad[] loads = [new("t", 0, 500_000, Stalled: true), new("t", 1, 800, false), new("t", 2, 0, false)];
        var fromOne = ScalingPolicy.Recommend(Policy(), loads, current: 1);
        Assert.Equal(1, fromOne.Workers);
        Assert.Equal(800, fromOne.CountedLag);
        Assert.Contains("500,000 lag on stalled partitions not counted (no scale-up for it)", fromOne.Reason);

        var fromTwo = ScalingPolicy.Recommend(Policy(), loads, current: 2);
        Assert.Equal(2, fromTwo.Workers);
        Assert.Contains("keeps 2 workers (no scale-up for it)", fromTwo.Reason);
    }
}
