using IngestHub.Server.Monitoring;
using Xunit;

namespace IngestHub.Server.Tests;

public sealed class BurrowEvaluatorTests
{
    private const long Start = 1_000_000;
    private const long Step = 5_000;

    /// <summary>Ten samples 5 s apart; each (offset, lag, commit time) from the functions.</summary>
    private static LagObservation[] Window(Func<int, long> offset, Func<int, long> lag, Func<int, long>? committedAt = null, int count = 10) =>
        [.. Enumerable.Range(0, count).Select(i => new LagObservation(Start + i * Step, offset(i), lag(i), committedAt?.Invoke(i) ?? Start + i * Step))];

    private static long Now(LagObservation[] window) => window[^1].TimestampMs + 1_000;

    [Fact]
    public void Any_zero_lag_in_the_window_is_ok_even_if_the_consumer_stopped()
    {
        var window = Window(i => 100, i => i == 3 ? 0 : 50, i => Start);
        Assert.Equal(PartitionLagStatus.Ok, BurrowEvaluator.EvaluatePartition(window, Now(window) + 3_600_000));
    }

    [Fact]
    public void Offset_going_backwards_is_rewind()
    {
        var window = Window(i => i == 6 ? 10 : 100 + i * 10, i => 5 + i);
        Assert.Equal(PartitionLagStatus.Rewind, BurrowEvaluator.EvaluatePartition(window, Now(window)));
    }

    [Fact]
    public void Rewind_is_reported_before_the_window_is_full()
    {
        var window = Window(i => 100 - i, i => 50, count: 3);
        Assert.Equal(PartitionLagStatus.Rewind, BurrowEvaluator.EvaluatePartition(window, Now(window)));
    }

    [Fact]
    public void No_commit_for_longer_than_the_window_spans_is_stop()
    {
        // Commits stopped before the window began; span is 45 s, last commit is older than that.
        var window = Window(i => 200, i => 30 + i, i => Start - 1_000);
        Assert.Equal(PartitionLagStatus.Stop, BurrowEvaluator.EvaluatePartition(window, Now(window)));
    }

    [Fact]
    public void Never_committed_partition_with_lag_is_stop()
    {
        var window = Window(i => -1, i => 40, i => -1);
        Assert.Equal(PartitionLagStatus.Stop, BurrowEvaluator.EvaluatePartition(window, Now(window)));
    }

    [Fact]
    public void Commits_of_an_unmoving_offset_are_stall()
    {
        // The consumer keeps committing (fresh commit times) but the offset never moves while lag is there.
        var window = Window(i => 500, i => 20 + i);
        Assert.Equal(PartitionLagStatus.Stall, BurrowEvaluator.EvaluatePartition(window, Now(window)));
    }

    [Fact]
    public void Moving_offset_with_lag_never_decreasing_is_warning()
    {
        var window = Window(i => 100 + i * 10, i => 50 + i * 3);
        Assert.Equal(PartitionLagStatus.Warning, BurrowEvaluator.EvaluatePartition(window, Now(window)));
    }

    [Fact]
    public void Constant_nonzero_lag_with_moving_offset_is_warning()
    {
        var window = Window(i => 100 + i * 10, i => 25);
        Assert.Equal(PartitionLagStatus.Warning, BurrowEvaluator.EvaluatePartition(window, Now(window)));
    }

    [Fact]
    public void Moving_offset_with_lag_falling_at_least_once_is_ok()
    {
        var window = Window(i => 100 + i * 10, i => i == 7 ? 40 : 50 + i);
        Assert.Equal(PartitionLagStatus.Ok, BurrowEvaluator.EvaluatePartition(window, Now(window)));
    }

    [Fact]
    public void Incomplete_window_without_rewind_is_ok()
    {
        var window = Window(i => 500, i => 20, i => Start - 60_000, count: 9);
        Assert.Equal(PartitionLagStatus.Ok, BurrowEvaluator.EvaluatePartition(window, Now(window)));
    }

    [Fact]
    public void Only_the_last_ten_observations_count()
    {
        // An old rewind and an old zero lag have slid out of the window; what remains is a stall.
        var older = Window(i => 900 - i, i => i == 0 ? 0 : 7);
        var recent = Window(i => 500, i => 20).Select(o => o with { TimestampMs = o.TimestampMs + 100_000, CommitTimestampMs = o.CommitTimestampMs + 100_000 }).ToArray();
        var all = older.Concat(recent).ToArray();
        Assert.Equal(PartitionLagStatus.Stall, BurrowEvaluator.EvaluatePartition(all, Now(all)));
    }

    [Fact]
    public void Empty_window_is_ok()
    {
        Assert.Equal(PartitionLagStatus.Ok, BurrowEvaluator.EvaluatePartition([], Start));
    }

    [Theory]
    [InlineData(new[] { PartitionLagStatus.Ok, PartitionLagStatus.Ok }, GroupLagStatus.Ok)]
    [InlineData(new[] { PartitionLagStatus.Ok, PartitionLagStatus.Warning }, GroupLagStatus.Warn)]
    [InlineData(new[] { PartitionLagStatus.Warning, PartitionLagStatus.Stop }, GroupLagStatus.Err)]
    [InlineData(new[] { PartitionLagStatus.Stall, PartitionLagStatus.Ok }, GroupLagStatus.Err)]
    [InlineData(new[] { PartitionLagStatus.Ok, PartitionLagStatus.Rewind }, GroupLagStatus.Err)]
    [InlineData(new PartitionLagStatus[0], GroupLagStatus.Ok)]
    public void Group_status_is_the_worst_partition(PartitionLagStatus[] partitions, GroupLagStatus expected)
    {
        Assert.Equal(expected, BurrowEvaluator.EvaluateGroup(partitions));
    }
}
