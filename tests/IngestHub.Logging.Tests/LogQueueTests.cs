using System.Text;
using Xunit;

namespace IngestHub.Logging.Tests;

public sealed class LogQueueTests
{
    private static EncodedEvent Event(int n) => EncodedEvent.Copy("k"u8, Encoding.UTF8.GetBytes($"{{\"n\":{n}}}"));

    private static int Number(EncodedEvent e) => int.Parse(Encoding.UTF8.GetString(e.Value)[5..^1], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Drop_newest_keeps_the_first_events_and_counts_every_refused_one()
    {
        using var queue = new LogQueue(capacity: 5, bytesLimit: 1 << 20, QueueFullMode.DropNewest);
        for (int i = 0; i < 12; i++)
            queue.Enqueue(Event(i));
        var taken = new List<EncodedEvent>();
        queue.TakeBatch(taken, 100, 100);
        Assert.Equal([0, 1, 2, 3, 4], taken.Select(Number));
        var stats = queue.Statistics();
        Assert.Equal((12L, 7L, 0, 5), (stats.Received, stats.DroppedQueueFull, stats.Queued, stats.InFlight));
    }

    [Fact]
    public void Drop_oldest_keeps_in_flight_events_and_the_newest_queued_ones()
    {
        using var queue = new LogQueue(capacity: 5, bytesLimit: 1 << 20, QueueFullMode.DropOldest);
        for (int i = 0; i < 3; i++)
            queue.Enqueue(Event(i));
        var inFlight = new List<EncodedEvent>();
        Assert.Equal(2, queue.TakeBatch(inFlight, 2, 100)); // 0 and 1 are with the producer
        for (int i = 3; i < 10; i++)
            queue.Enqueue(Event(i));
        var rest = new List<EncodedEvent>();
        queue.TakeBatch(rest, 100, 100);
        Assert.Equal([7, 8, 9], rest.Select(Number));
        var stats = queue.Statistics();
        Assert.Equal(10, stats.Received);
        Assert.Equal(5, stats.DroppedQueueFull); // 2..6
        Assert.Equal(stats.Received, stats.Sent + stats.Dropped + stats.Queued + stats.InFlight);
    }

    [Fact]
    public void Held_bytes_bound_the_queue_and_completion_frees_room()
    {
        var one = Event(1);
        using var queue = new LogQueue(capacity: 100, bytesLimit: one.Size * 3, QueueFullMode.DropNewest);
        for (int i = 0; i < 5; i++)
            queue.Enqueue(Event(i));
        one.Return();
        var batch = new List<EncodedEvent>();
        Assert.Equal(3, queue.TakeBatch(batch, 100, 100));
        Assert.Equal(2, queue.Statistics().DroppedQueueFull);
        queue.Complete(batch[0].Size, sent: true);
        Assert.True(queue.Enqueue(Event(5)));
        Assert.False(queue.Enqueue(Event(6)));
        var stats = queue.Statistics();
        Assert.Equal((1L, 3L, 1, 2), (stats.Sent, stats.DroppedQueueFull, stats.Queued, stats.InFlight));
    }

    [Fact]
    public void Requeued_events_go_back_to_the_head_in_order()
    {
        using var queue = new LogQueue(capacity: 10, bytesLimit: 1 << 20, QueueFullMode.DropNewest);
        for (int i = 0; i < 6; i++)
            queue.Enqueue(Event(i));
        var batch = new List<EncodedEvent>();
        queue.TakeBatch(batch, 4, 100);
        queue.Requeue(batch.ToArray().AsSpan(2)); // 2 and 3 could not be handed over
        var again = new List<EncodedEvent>();
        queue.TakeBatch(again, 100, 100);
        Assert.Equal([2, 3, 4, 5], again.Select(Number));
        Assert.Equal(6, queue.Statistics().InFlight);
    }
}
