using Xunit;

namespace IngestHub.Monitoring.Tests;

public sealed class BurrowEvaluatorTests
{
    private const long Start = 1_000_000;
    private const long Minute = 60_000;
    private const int Window = BurrowEvaluator.DefaultWindowSize;

    /// <summary>Commits a minute apart; each (offset, lag) from the functions.</summary>
    private static CommitObservation[] Commits(Func<int, long> offset, Func<int, long> lag, int count = Window, long every = Minute) =>
        [.. Enumerable.Range(0, count).Select(i => new CommitObservation(Start + i * every, offset(i), lag(i)))];

    private static PartitionEvaluation Evaluate(CommitObservation[] commits, long currentLag, long now, long[]? brokerOffsets = null, long allowedLag = 0) =>
        BurrowEvaluator.EvaluatePartition(commits, Window, brokerOffsets ?? [], currentLag, now, allowedLag);

    private static long After(CommitObservation[] commits, long ms) => commits[^1].TimestampMs + ms;

    [Fact]
    public void Lag_within_allowed_lag_is_ok_whatever_the_window_says()
    {
        var stopped = Commits(i => 100 + i, i => 50);
        Assert.Equal(PartitionLagStatus.Ok, Evaluate(stopped, currentLag: 0, After(stopped, 3_600_000)).Status);
        Assert.Equal(PartitionLagStatus.Ok, Evaluate(stopped, currentLag: 5, After(stopped, 3_600_000), allowedLag: 5).Status);
    }

    [Fact]
    public void A_window_that_is_not_full_is_incomplete_rather_than_ok()
    {
        var few = Commits(i => 100 + i, i => 50, count: 3);
        var evaluation = Evaluate(few, currentLag: 50, After(few, 3_600_000));
        Assert.Equal(PartitionLagStatus.Incomplete, evaluation.Status);
        Assert.Equal("3 of 10 commits observed", evaluation.Reason);
    }

    [Fact]
    public void No_commit_for_longer_than_the_window_spans_is_stop()
    {
        var commits = Commits(i => 100 + i * 10, i => 50 - i);
        var evaluation = Evaluate(commits, currentLag: 41, After(commits, 9 * Minute + 1));
        Assert.Equal(PartitionLagStatus.Stop, evaluation.Status);
        Assert.Contains("no commit for 540", evaluation.Reason);
    }

    [Fact]
    public void A_consumer_committing_once_a_minute_is_not_stopped_between_commits()
    {
        // The window spans nine minutes of commits, so 59 s (or eight minutes) without one is normal for this consumer.
        var commits = Commits(i => 100 + i * 10, i => 50 - i);
        Assert.Equal(PartitionLagStatus.Ok, Evaluate(commits, currentLag: 41, After(commits, 59_000)).Status);
        Assert.Equal(PartitionLagStatus.Ok, Evaluate(commits, currentLag: 41, After(commits, 8 * Minute)).Status);
    }

    [Fact]
    public void A_consumer_caught_up_moments_ago_is_not_stopped()
    {
        // Nothing was produced after the last commit until recently: a recent log end offset equals the last commit.
        var commits = Commits(i => 100 + i * 10, i => 50 - i);
        long last = commits[^1].Offset;
        var now = After(commits, 60 * Minute);
        Assert.Equal(PartitionLagStatus.Stop, Evaluate(commits, 5, now, brokerOffsets: [last + 5, last + 5]).Status);
        Assert.NotEqual(PartitionLagStatus.Stop, Evaluate(commits, 5, now, brokerOffsets: [last, last + 5]).Status);
    }

    [Fact]
    public void Offset_going_backwards_without_recovering_is_rewind()
    {
        var commits = Commits(i => i < 6 ? 100 + i * 10 : 20 + i, i => 5 + i);
        var evaluation = Evaluate(commits, currentLag: 30, After(commits, 1_000));
        Assert.Equal(PartitionLagStatus.Rewind, evaluation.Status);
        Assert.Equal("committed offset went back from 150 to 26", evaluation.Reason);
    }

    [Fact]
    public void A_rewind_that_recovered_is_judged_by_the_other_rules()
    {
        // Rebalance artefact: one commit went back a little, the next was beyond where it had been.
        var commits = Commits(i => i == 4 ? 120 : 100 + i * 10, i => 60 - i);
        Assert.Equal(PartitionLagStatus.Ok, Evaluate(commits, currentLag: 50, After(commits, 1_000)).Status);
    }

    [Fact]
    public void Stop_is_checked_before_rewind()
    {
        var commits = Commits(i => i < 6 ? 100 + i * 10 : 20 + i, i => 5 + i);
        Assert.Equal(PartitionLagStatus.Stop, Evaluate(commits, currentLag: 30, After(commits, 60 * Minute)).Status);
    }

    [Fact]
    public void A_zero_lag_commit_in_the_window_is_ok()
    {
        var commits = Commits(i => 100 + i * 10, i => i == 3 ? 0 : 50 + i);
        Assert.Equal(PartitionLagStatus.Ok, Evaluate(commits, currentLag: 70, After(commits, 1_000)).Status);
    }

    [Fact]
    public void Allowed_lag_counts_as_zero_lag_in_the_window()
    {
        var commits = Commits(i => 100 + i * 10, i => 4 + i);
        Assert.Equal(PartitionLagStatus.Warning, Evaluate(commits, currentLag: 70, After(commits, 1_000)).Status);
        Assert.Equal(PartitionLagStatus.Ok, Evaluate(commits, currentLag: 70, After(commits, 1_000), allowedLag: 4).Status);
    }

    [Fact]
    public void Commits_of_an_unmoving_offset_with_lag_are_stall()
    {
        var commits = Commits(i => 500, i => 20 + i);
        var evaluation = Evaluate(commits, currentLag: 30, After(commits, 1_000));
        Assert.Equal(PartitionLagStatus.Stall, evaluation.Status);
        Assert.Contains("stuck at 500", evaluation.Reason);
    }

    [Fact]
    public void Moving_offset_with_lag_never_falling_is_warning()
    {
        var commits = Commits(i => 100 + i * 10, i => 50 + i * 3);
        Assert.Equal(PartitionLagStatus.Warning, Evaluate(commits, currentLag: 80, After(commits, 1_000)).Status);
        var constant = Commits(i => 100 + i * 10, i => 25);
        Assert.Equal(PartitionLagStatus.Warning, Evaluate(constant, currentLag: 25, After(constant, 1_000)).Status);
    }

    [Fact]
    public void Moving_offset_with_lag_falling_at_least_once_is_ok()
    {
        var commits = Commits(i => 100 + i * 10, i => i == 7 ? 40 : 50 + i);
        Assert.Equal(PartitionLagStatus.Ok, Evaluate(commits, currentLag: 60, After(commits, 1_000)).Status);
    }

    [Fact]
    public void Only_the_last_ten_commits_count()
    {
        // An old zero lag and an old rewind have slid out of the window; what remains never lets lag fall.
        var older = Commits(i => 900 - i, i => i == 0 ? 0 : 7);
        var recent = Commits(i => 1_000 + i, i => 20 + i).Select(c => c with { TimestampMs = c.TimestampMs + 100 * Minute }).ToArray();
        var all = older.Concat(recent).ToArray();
        Assert.Equal(PartitionLagStatus.Warning, Evaluate(all, currentLag: 30, After(all, 1_000)).Status);
    }

    [Theory]
    [InlineData(new[] { PartitionLagStatus.Ok, PartitionLagStatus.Ok }, GroupLagStatus.Ok)]
    [InlineData(new[] { PartitionLagStatus.Ok, PartitionLagStatus.Incomplete }, GroupLagStatus.Ok)]
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
