using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace IngestHub.Autoscaler.Tests;

public sealed class ScaleStabilizerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Scaling_up_is_immediate()
    {
        var stabilizer = new ScaleStabilizer(TimeSpan.FromSeconds(300), _time);
        Assert.Equal(1, stabilizer.Stabilize(1, 1));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(4, stabilizer.Stabilize(4, 1));
    }

    [Fact]
    public void Scaling_down_waits_until_every_recommendation_in_the_window_is_lower()
    {
        var stabilizer = new ScaleStabilizer(TimeSpan.FromSeconds(300), _time);
        Assert.Equal(4, stabilizer.Stabilize(4, 1));
        for (int s = 5; s < 300; s += 5)
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(4, stabilizer.Stabilize(1, 4));
        }
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, stabilizer.Stabilize(1, 4));
    }

    [Fact]
    public void The_highest_recommendation_in_the_window_wins()
    {
        var stabilizer = new ScaleStabilizer(TimeSpan.FromSeconds(60), _time);
        stabilizer.Stabilize(6, 1);
        _time.Advance(TimeSpan.FromSeconds(30));
        stabilizer.Stabilize(3, 6);
        _time.Advance(TimeSpan.FromSeconds(31)); // the 6 has left the window, the 3 has not
        Assert.Equal(3, stabilizer.Stabilize(1, 6));
        Assert.Equal(_time.GetUtcNow().AddSeconds(29), stabilizer.ExpiresAbove(1));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, stabilizer.Stabilize(1, 3));
    }

    [Fact]
    public void A_zero_window_scales_down_at_once()
    {
        var stabilizer = new ScaleStabilizer(TimeSpan.Zero, _time);
        stabilizer.Stabilize(5, 1);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, stabilizer.Stabilize(2, 5));
    }
}
