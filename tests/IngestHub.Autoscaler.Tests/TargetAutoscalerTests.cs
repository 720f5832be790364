using IngestHub.Client;
using IngestHub.Monitoring;
using IngestHub.Pipelines.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace IngestHub.Autoscaler.Tests;

/// <summary>The policy over time on a fake clock: snapshots of a group are fed in as the autoscaler would read them.</summary>
public sealed class TargetAutoscalerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A target whose worker count is what it was last set to, capped at its partitions.</summary>
    private sealed class CountingTarget(AutoscaleDefinition policy, int partitions) : IScalable
    {
        public List<int> Changes { get; } = [];
        public string Name => "orders-to-es";
        public string Kind => "connector";
        public string GroupId => "orders";
        public IReadOnlyList<string> Topics => ["orders"];
        public AutoscaleDefinition? Policy => policy;
        public int Workers { get; private set; } = 1;
        public ISpillable? Spill => null;

        public Task SetWorkersAsync(int workers, CancellationToken cancellationToken)
        {
            Workers = Math.Min(workers, partitions);
            Changes.Add(Workers);
            return Task.CompletedTask;
        }
    }

    private static AutoscaleDefinition Policy(string stabilization = "300s") => AutoscaleDefinition.Parse(new SettingsReader(new()
    {
        ["min"] = 1,
        ["max"] = 4,
        ["lagThreshold"] = 1_000,
        ["scaleDownStabilization"] = stabilization,
        ["interval"] = "5s",
        ["stallAfter"] = "30s",
    }));

    private GroupSnapshot Snapshot(params (long Committed, long End)[] partitions) =>
        new("orders", "Stable", "consumer", "range", [],
            [.. partitions.Select((p, i) => new PartitionLag("orders", i, p.Committed, p.End))], _time.GetUtcNow().ToUnixTimeMilliseconds());

    private async Task StepAsync(TargetAutoscaler autoscaler, params (long Committed, long End)[] partitions)
    {
        await autoscaler.EvaluateAsync(Snapshot(partitions), default);
        _time.Advance(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Lag_scales_up_at_once_and_the_decision_carries_its_inputs()
    {
        var target = new CountingTarget(Policy(), partitions: 2);
        var autoscaler = new TargetAutoscaler(target, _time, NullLogger.Instance);
        await StepAsync(autoscaler, (0, 100_000), (0, 100_000));

        Assert.Equal([2], target.Changes);
        var decision = Assert.Single(autoscaler.Status.Events, e => e.Kind == "scale_up");
        Assert.Equal((1, 2), (decision.From, decision.To));
        Assert.Equal(200_000, (long)decision.Inputs["total_lag"]!);
        Assert.Equal(1_000, (long)decision.Inputs["lag_threshold"]!);
        Assert.Equal(2, (int)decision.Inputs["partitions_with_lag"]!);
        Assert.Equal(200, (int)decision.Inputs["raw"]!);
        Assert.Contains("= 200, capped at min(max 4, 2 partitions with lag)", decision.Reason);
        Assert.Equal(2, autoscaler.Status.Desired);
        Assert.Equal(2, autoscaler.Status.Actual);
    }

    [Fact]
    public async Task Scale_down_waits_for_the_stabilization_window()
    {
        var target = new CountingTarget(Policy(), partitions: 2);
        var autoscaler = new TargetAutoscaler(target, _time, NullLogger.Instance);
        await StepAsync(autoscaler, (0, 50_000), (0, 50_000));
        Assert.Equal(2, target.Workers);
        var drainedAt = _time.GetUtcNow();

        // Caught up: the recommendation is 1 from now on, but the 2 stays in the window for 300 s.
        long offset = 50_000;
        while (_time.GetUtcNow() - drainedAt < TimeSpan.FromSeconds(295))
            await StepAsync(autoscaler, (offset, offset), (offset, offset));
        Assert.Equal(2, target.Workers);
        Assert.Equal([2], target.Changes);
        var deferred = Assert.Single(autoscaler.Status.Events, e => e.Kind == "scale_down_deferred");
        Assert.Contains("the highest recommendation within the 5m stabilization window is 2", deferred.Reason);

        _time.Advance(TimeSpan.FromSeconds(6));
        await StepAsync(autoscaler, (offset, offset), (offset, offset));
        Assert.Equal([2, 1], target.Changes);
        var down = Assert.Single(autoscaler.Status.Events, e => e.Kind == "scale_down");
        Assert.Equal((2, 1), (down.From, down.To));
    }

    [Fact]
    public async Task A_stalled_partition_is_reported_and_does_not_scale_up()
    {
        var target = new CountingTarget(Policy(), partitions: 3);
        var autoscaler = new TargetAutoscaler(target, _time, NullLogger.Instance);
        // Partition 0's consumer is stuck at 1,000 while partitions 1 and 2 keep up with small lag; after 30 s it
        // counts as stalled, and then its backlog grows large.
        long moving = 0;
        for (int i = 0; i < 8; i++)
        {
            moving += 500;
            await StepAsync(autoscaler, (1_000, 1_200), (moving, moving + 300), (moving, moving + 300));
        }
        for (int i = 0; i < 6; i++)
        {
            moving += 500;
            await StepAsync(autoscaler, (1_000, 400_000 + i * 10_000), (moving, moving + 300), (moving, moving + 300));
        }

        Assert.Empty(target.Changes); // one worker throughout: the only big lag sits on a stuck partition
        var stall = Assert.Single(autoscaler.Status.Events, e => e.Kind == "stall");
        Assert.StartsWith("orders-0 STALL: committed offset 1000 unchanged for 30 s while other partitions moved", stall.Reason);
        Assert.Equal("STALL", autoscaler.Status.Status);
        Assert.True(autoscaler.Status.Partitions[0].Stalled);
        Assert.False(autoscaler.Status.Partitions[1].Stalled);
        Assert.Contains("lag on stalled partitions not counted", autoscaler.Status.Recommendation!.Reason);
        Assert.NotNull(autoscaler.Status.HotPartition);
        Assert.Contains(autoscaler.Status.Events, e => e.Kind == "hot_partition" && e.Reason.StartsWith("orders-0 holds", StringComparison.Ordinal));

        // It moves again: the stall clears and its lag counts.
        await StepAsync(autoscaler, (200_000, 480_000), (moving + 500, moving + 800), (moving + 500, moving + 800));
        Assert.Contains(autoscaler.Status.Events, e => e.Kind == "stall_cleared");
        Assert.Equal("OK", autoscaler.Status.Status);
        Assert.Equal([3], target.Changes);
    }

    [Fact]
    public async Task A_group_where_nothing_moves_is_not_stalled_it_is_slow()
    {
        var target = new CountingTarget(Policy(), partitions: 2);
        var autoscaler = new TargetAutoscaler(target, _time, NullLogger.Instance);
        for (int i = 0; i < 10; i++)
            await StepAsync(autoscaler, (100, 9_000), (100, 9_000));
        Assert.DoesNotContain(autoscaler.Status.Events, e => e.Kind == "stall");
        Assert.Equal(2, target.Workers);
    }

    [Fact]
    public async Task A_partition_holding_most_of_the_lag_is_reported_hot_once_and_cleared_when_the_lag_evens_out()
    {
        var target = new CountingTarget(Policy(), partitions: 4);
        var autoscaler = new TargetAutoscaler(target, _time, NullLogger.Instance);
        // Every partition moves (none is stuck), but partition 2 carries 90,000 of 93,000 records of lag.
        long moving = 0;
        for (int i = 0; i < 3; i++)
        {
            moving += 500;
            await StepAsync(autoscaler, (moving, moving + 1_000), (moving, moving + 1_000), (moving, moving + 90_000), (moving, moving + 1_000));
        }
        var hot = Assert.Single(autoscaler.Status.Events, e => e.Kind == "hot_partition");
        Assert.StartsWith("orders-2 holds 97% of the lag (90,000 of 93,000)", hot.Reason);
        Assert.Equal(2, (int)hot.Inputs["partition"]!);
        Assert.Equal(2, autoscaler.Status.HotPartition!.Partition);
        Assert.Equal(0.968, autoscaler.Status.HotPartition.Share, 3);
        Assert.DoesNotContain(autoscaler.Status.Events, e => e.Kind == "stall");
        Assert.Equal(4, target.Workers); // one per partition with lag: more would not help partition 2

        moving += 500;
        await StepAsync(autoscaler, (moving, moving + 20_000), (moving, moving + 20_000), (moving, moving + 25_000), (moving, moving + 20_000));
        Assert.Null(autoscaler.Status.HotPartition);
        Assert.Single(autoscaler.Status.Events, e => e.Kind == "hot_partition");
    }
}
