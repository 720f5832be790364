using IngestHub.Streams.Kafka;

namespace IngestHub.Streams.Tests;

public sealed class OffsetTrackerTests
{
    [Fact]
    public void The_committable_offset_is_the_first_emitted_offset_not_done()
    {
        var tracker = new OffsetTracker();
        Assert.Equal(-1, tracker.Committable());
        foreach (long o in new long[] { 5, 6, 7, 9, 12 })
            tracker.Emitted(o);
        Assert.Equal(5, tracker.Committable());
        Assert.True(tracker.Done(6));
        Assert.True(tracker.Done(9));
        Assert.Equal(5, tracker.Committable());
        Assert.True(tracker.Done(5));
        // 8, 10 and 11 were never emitted (compacted, markers): they are not waited for.
        Assert.Equal(7, tracker.Committable());
        Assert.True(tracker.Done(7));
        Assert.Equal(12, tracker.Committable());
        Assert.True(tracker.Done(12));
        Assert.Equal(13, tracker.Committable());
        Assert.False(tracker.Done(12));
        Assert.Equal(0, tracker.Count);
    }

    [Fact]
    public void Acks_in_random_order_over_many_offsets_commit_everything()
    {
        var tracker = new OffsetTracker();
        for (long o = 0; o < 10_000; o++)
            tracker.Emitted(o * 2);
        var order = Enumerable.Range(0, 10_000).Select(i => (long)i * 2).ToArray();
        Random.Shared.Shuffle(order);
        long last = -1;
        foreach (long o in order)
        {
            Assert.True(tracker.Done(o));
            long c = tracker.Committable();
            Assert.True(c >= last);
            last = c;
        }
        Assert.Equal(19_999, tracker.Committable());
    }

    [Fact]
    public void Retry_delays_grow_exponentially_up_to_the_cap()
    {
        var retry = new KafkaSpoutRetry { InitialDelay = TimeSpan.FromMilliseconds(5), DelayPeriod = TimeSpan.FromMilliseconds(2), MaxDelay = TimeSpan.FromSeconds(1) };
        Assert.Equal(TimeSpan.FromMilliseconds(5), retry.DelayAfter(1));
        Assert.Equal(TimeSpan.FromMilliseconds(4), retry.DelayAfter(2));
        Assert.Equal(TimeSpan.FromMilliseconds(8), retry.DelayAfter(3));
        Assert.Equal(TimeSpan.FromMilliseconds(16), retry.DelayAfter(4));
        Assert.Equal(TimeSpan.FromSeconds(1), retry.DelayAfter(20));
        Assert.Equal(TimeSpan.FromSeconds(1), retry.DelayAfter(1000));
    }
}
