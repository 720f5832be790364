using System.Diagnostics;
using System.Text.Json.Nodes;
using IngestHub.Testing;
using Microsoft.Extensions.Logging;
using Xunit;

namespace IngestHub.Logging.Tests;

/// <summary>The appliance stops while the application logs: calls return at once, the queue holds exactly its capacity,
/// the rest is dropped and counted exactly, and after the restart the held events and new ones arrive.</summary>
public sealed class BrokerOutageTests
{
    [Theory]
    [InlineData(QueueFullMode.DropNewest)]
    [InlineData(QueueFullMode.DropOldest)]
    public async Task Log_calls_never_wait_while_the_broker_is_down_and_drops_are_counted_exactly(QueueFullMode mode)
    {
        const int capacity = 500, maxInFlight = 100, upCalls = 200, downCalls = 3000;
        string topic = $"outage-{mode}".ToLowerInvariant();
        await using var host = await ApplianceHost.StartAsync();
        var options = new IngestHubLoggerOptions
        {
            BootstrapServers = host.Bootstrap,
            Topic = topic,
            ServiceName = "outage",
            QueueCapacity = capacity,
            MaxInFlight = maxInFlight,
            QueueFullMode = mode,
            ShutdownTimeout = TimeSpan.FromSeconds(20),
        };
        await using var provider = new IngestHubLoggerProvider(options);
        using var factory = new LoggerFactory([provider]);
        var logger = factory.CreateLogger("Outage");

        var up = Stopwatch.StartNew();
        for (int i = 0; i < upCalls; i++)
            logger.LogInformation("before {Seq}", i);
        up.Stop();
        using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await provider.FlushAsync(flush.Token);
        Assert.Equal(upCalls, provider.Statistics.Sent);

        await host.StopAsync();
        long slowest = 0;
        var down = Stopwatch.StartNew();
        for (int i = 0; i < downCalls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            logger.LogInformation("during {Seq}", i);
            slowest = Math.Max(slowest, Stopwatch.GetTimestamp() - start);
        }
        down.Stop();
        var during = provider.Statistics;
        // A blocked call would wait for the producer's max.block.ms (seconds); 3000 of them would take hours.
        Assert.True(down.Elapsed < TimeSpan.FromSeconds(20), $"{downCalls} calls took {down.Elapsed}");
        Assert.Equal(capacity, during.Queued + during.InFlight);
        Assert.Equal(downCalls - capacity, during.DroppedQueueFull);
        Assert.InRange(during.HeldBytes, 1, options.QueueBytesLimit);
        Console.WriteLine($"{mode}: mean per call up {up.Elapsed.TotalMicroseconds / upCalls:F1} µs, down {down.Elapsed.TotalMicroseconds / downCalls:F1} µs, slowest down {Stopwatch.GetElapsedTime(0, slowest).TotalMilliseconds:F2} ms");

        await host.StartAsync();
        using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await provider.FlushAsync(flush.Token); // the held events drain first
        Assert.Equal(upCalls + capacity, provider.Statistics.Sent);
        for (int i = 0; i < 10; i++)
            logger.LogInformation("after {Seq}", i);
        using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await provider.FlushAsync(flush.Token);
        var after = provider.Statistics;
        Assert.Equal(upCalls + capacity + 10, after.Sent);
        Assert.Equal(downCalls - capacity, after.Dropped);
        Assert.Equal(after.Received, after.Sent + after.Dropped);

        var records = await TopicReader.ReadAllAsync(host.Bootstrap, topic);
        var during_ = records.Select(r => JsonNode.Parse(r.Value!)!).Where(j => ((string)j["template"]!).StartsWith("during", StringComparison.Ordinal))
            .Select(j => (int)j["properties"]!["Seq"]!).Order().ToList();
        Assert.Equal(capacity, during_.Count);
        if (mode == QueueFullMode.DropNewest)
            Assert.Equal(Enumerable.Range(0, capacity), during_);
        else // the newest are kept; events the producer held when it gave up on the broker went back to the queue and may have been dropped as oldest
            Assert.Equal(Enumerable.Range(downCalls - (capacity - maxInFlight), capacity - maxInFlight), during_[maxInFlight..]);
        Assert.Equal(10, records.Count(r => ((string)JsonNode.Parse(r.Value!)!["template"]!).StartsWith("after", StringComparison.Ordinal)));
        Assert.Equal(upCalls + capacity + 10, records.Count);
    }
}
