using IngestHub.Broker.Logs;
using IngestHub.Broker.Tests.Groups;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace IngestHub.Broker.Tests;

public sealed class StorageHealthTests
{
    private static readonly IOException Full = new("No space left on device");

    [Fact]
    public void A_failing_area_clears_only_with_its_own_successful_write()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var health = new StorageHealth(NullLogger.Instance, clock);
        health.Failed("append to logs-0", Full);
        health.Failed("log flush and retention", Full);
        Assert.True(health.IsFailing);

        // A small write landing elsewhere on a nearly full disk says nothing about the areas that failed.
        health.Succeeded("append to logs-1");
        Assert.True(health.IsFailing);
        health.Succeeded("log flush and retention");
        Assert.Equal("append to logs-0: No space left on device", health.Status.Error);
        Assert.Equal(2, health.Status.Failures);
        health.Succeeded("append to logs-0");
        Assert.False(health.IsFailing);
        Assert.Equal(2, health.Status.FailuresTotal);
    }

    [Fact]
    public void An_area_nobody_writes_again_is_forgotten_after_a_minute_without_failures()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var health = new StorageHealth(NullLogger.Instance, clock);
        health.Failed("append to logs-0", Full);
        clock.Advance(StorageHealth.ForgetAfter - TimeSpan.FromSeconds(1));
        Assert.True(health.IsFailing);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(health.IsFailing);
    }
}
