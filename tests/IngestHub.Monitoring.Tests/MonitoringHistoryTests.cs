using Xunit;

namespace IngestHub.Monitoring.Tests;

public sealed class MonitoringHistoryTests
{
    [Fact]
    public void A_commit_is_recorded_when_the_committed_offset_changes_not_on_every_sample()
    {
        var partition = new PartitionHistory(capacity: 100, windowSize: 10);
        partition.Observe(1_000, -1, 50, 50);
        partition.Observe(2_000, 10, 40, 50);
        partition.Observe(3_000, 10, 45, 55);
        partition.Observe(4_000, 30, 25, 55);
        partition.Observe(5_000, 20, 35, 55); // a rewind is a change too
        Assert.Equal(5, partition.Lag.Count);
        Assert.Equal(
            [new CommitObservation(2_000, 10, 40), new CommitObservation(4_000, 30, 25), new CommitObservation(5_000, 20, 35)],
            partition.Commits.Snapshot());
        Assert.Equal([50L, 50, 55, 55, 55], partition.BrokerOffsets.Snapshot());
        Assert.False(partition.WindowComplete);
    }

    [Fact]
    public void The_window_keeps_the_last_commits_only()
    {
        var partition = new PartitionHistory(capacity: 100, windowSize: 3);
        for (int i = 0; i < 5; i++)
            partition.Observe(i * 1_000, i * 10, 5, i * 10 + 5);
        Assert.Equal([20L, 30, 40], partition.Commits.Snapshot().Select(c => c.Offset));
        Assert.True(partition.WindowComplete);
    }

    [Fact]
    public void A_flat_stretch_of_end_offsets_keeps_its_first_and_last_sample()
    {
        var history = new MonitoringHistory(new MonitoringOptions());
        history.ObserveEndOffset("t", 0, 0, 10);
        history.ObserveEndOffset("t", 0, 5_000, 20);
        history.ObserveEndOffset("t", 0, 10_000, 20);
        history.ObserveEndOffset("t", 0, 15_000, 20);
        history.ObserveEndOffset("t", 0, 20_000, 20);
        history.ObserveEndOffset("t", 0, 25_000, 30);
        Assert.Equal([new OffsetTime(0, 10), new OffsetTime(5_000, 20), new OffsetTime(20_000, 20), new OffsetTime(25_000, 30)], history.EndOffsets("t", 0));
    }

    [Fact]
    public void A_log_that_went_back_starts_a_new_end_offset_history()
    {
        var history = new MonitoringHistory(new MonitoringOptions());
        history.ObserveEndOffset("t", 0, 0, 100);
        history.ObserveEndOffset("t", 0, 5_000, 200);
        history.ObserveEndOffset("t", 0, 10_000, 3);
        Assert.Equal([new OffsetTime(10_000, 3)], history.EndOffsets("t", 0));
    }

    [Fact]
    public void Ring_buffer_keeps_the_newest_items_in_order()
    {
        var ring = new RingBuffer<int>(4);
        for (int i = 1; i <= 10; i++)
            ring.Add(i);
        Assert.Equal([7, 8, 9, 10], ring.Snapshot());
        Assert.Equal([9, 10], ring.Snapshot(2));
        Assert.Equal(10, ring.Last());
        Assert.Equal(4, ring.Count);
        ring.ReplaceLast(99);
        Assert.Equal([7, 8, 9, 99], ring.Snapshot());
    }

    [Fact]
    public void History_capacity_covers_an_hour_at_the_sampling_interval()
    {
        Assert.True(new MonitoringOptions { SampleIntervalSeconds = 5 }.HistoryCapacity >= 720);
        Assert.True(new MonitoringOptions { SampleIntervalSeconds = 1 }.HistoryCapacity >= 3600);
    }

    [Fact]
    public void Rate_is_per_second_between_first_and_last_and_never_negative()
    {
        ThroughputSample[] samples = [new(0, 100, 1000), new(5_000, 150, 1500), new(10_000, 300, 3000)];
        Assert.Equal((20.0, 200.0), MonitoringHistory.Rate(samples));
        Assert.Equal((0.0, 0.0), MonitoringHistory.Rate([new(0, 500, 500), new(1_000, 10, 10)]));
        Assert.Equal((0.0, 0.0), MonitoringHistory.Rate([new(0, 1, 1)]));
    }

    [Fact]
    public void Numeric_thresholds_turn_an_ok_partition_into_warning_but_never_soften_an_error()
    {
        var options = new MonitoringOptions { MaxLag = 1_000, MaxLagSeconds = 30 };
        var ok = new PartitionEvaluation(PartitionLagStatus.Ok, null);
        Assert.Equal(ok, LagMonitor.ApplyThresholds(ok, 1_000, new TimeLagEstimate(30, false), options));
        var byCount = LagMonitor.ApplyThresholds(ok, 1_001, new TimeLagEstimate(1, false), options);
        Assert.Equal(new PartitionEvaluation(PartitionLagStatus.Warning, "lag 1001 above the threshold 1000"), byCount);
        var byTime = LagMonitor.ApplyThresholds(new PartitionEvaluation(PartitionLagStatus.Incomplete, "2 of 10 commits observed"), 5, new TimeLagEstimate(30.5, false), options);
        Assert.Equal(new PartitionEvaluation(PartitionLagStatus.Warning, "time lag 30.5 s above the threshold 30 s"), byTime);
        var stop = new PartitionEvaluation(PartitionLagStatus.Stop, "no commit");
        Assert.Equal(stop, LagMonitor.ApplyThresholds(stop, 5_000, new TimeLagEstimate(99, false), options));
    }
}
