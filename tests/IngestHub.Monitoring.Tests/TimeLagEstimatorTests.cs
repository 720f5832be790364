using Xunit;

namespace IngestHub.Monitoring.Tests;

public sealed class TimeLagEstimatorTests
{
    // Log end offsets sampled every 10 s: 100 records appended between the first two samples, 300 between the next two.
    private static readonly OffsetTime[] History = [new(0, 0), new(10_000, 100), new(20_000, 400)];

    [Fact]
    public void Caught_up_is_zero()
    {
        Assert.Equal(new TimeLagEstimate(0, false), TimeLagEstimator.Estimate(History, 400, 400, 25_000));
    }

    [Fact]
    public void The_next_record_is_placed_between_the_samples_around_it()
    {
        // Offset 49 is the 50th of 100 records appended in (0 s, 10 s]: produced at 5 s, so 20 s behind at 25 s.
        Assert.Equal(20.0, TimeLagEstimator.Estimate(History, 49, 400, 25_000).Seconds, 6);
        // Offset 249 is the 150th of 300 appended in (10 s, 20 s]: produced at 15 s.
        var estimate = TimeLagEstimator.Estimate(History, 249, 400, 25_000);
        Assert.Equal(10.0, estimate.Seconds, 6);
        Assert.False(estimate.LowerBound);
    }

    [Fact]
    public void Before_the_history_the_average_produce_rate_extrapolates()
    {
        // 300 records in 10 s before the first sample at 10 s, at the average rate of 400 per 20 s: 15 s earlier.
        OffsetTime[] history = [new(10_000, 300), new(20_000, 500), new(30_000, 700)];
        var estimate = TimeLagEstimator.Estimate(history, 0, 700, 30_000);
        Assert.Equal(35.0, estimate.Seconds, 6);
        Assert.False(estimate.LowerBound);
    }

    [Fact]
    public void Without_any_produce_rate_the_age_of_the_history_is_a_lower_bound()
    {
        OffsetTime[] idle = [new(10_000, 300), new(40_000, 300)];
        var estimate = TimeLagEstimator.Estimate(idle, 100, 300, 70_000);
        Assert.Equal(60.0, estimate.Seconds, 6);
        Assert.True(estimate.LowerBound);
    }

    [Fact]
    public void Records_newer_than_the_last_sample_are_not_behind()
    {
        Assert.Equal(0, TimeLagEstimator.Estimate(History, 400, 450, 20_000).Seconds);
    }
}
