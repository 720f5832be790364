using System.Diagnostics;
using IngestHub.Client;

namespace IngestHub.Cli.Bench;

/// <summary>One consumer (no group) reading <see cref="BenchSettings.Records"/> records from the start of the topic;
/// missing records are produced first, outside the measurement.</summary>
public static class ConsumeBenchmark
{
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(15);

    public static async Task<BenchResult> RunAsync(BenchSettings settings, Action<string>? progress, CancellationToken ct)
    {
        int partitions = await BenchTopic.EnsureAsync(settings, ct);
        settings = settings with { Partitions = partitions };
        var (start, end) = await BenchTopic.OffsetsAsync(settings, partitions, ct);
        long available = 0;
        foreach (var (partition, endOffset) in end)
            available += endOffset - start.GetValueOrDefault(partition, 0);
        if (available < settings.Records)
        {
            progress?.Invoke($"filling {settings.Topic} with {settings.Records - available:N0} records");
            await ProduceBenchmark.ProduceAsync(settings, settings.Records - available, null, ct);
            (start, _) = await BenchTopic.OffsetsAsync(settings, partitions, ct);
        }

        await using var consumer = new KafkaConsumer(settings.ConsumerOptions());
        consumer.Assign(start.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)));
        long count = 0;
        var clock = Stopwatch.StartNew();
        long lastProgress = 0;
        // One watchdog instead of a timeout per ConsumeAsync call: per-record timers would be measured too.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watchdog = WatchAsync(() => Interlocked.Read(ref count), idle);
        try
        {
            while (count < settings.Records)
            {
                _ = await consumer.ConsumeAsync(idle.Token);
                Interlocked.Increment(ref count);
                if (progress is not null && (count & 1023) == 0 && clock.ElapsedMilliseconds - lastProgress >= 200)
                {
                    lastProgress = clock.ElapsedMilliseconds;
                    progress(ProduceBenchmark.Progress("consumed", count, clock.Elapsed.TotalSeconds));
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"no record for {IdleLimit.TotalSeconds:F0} s after {count:N0} of {settings.Records:N0}");
        }
        finally
        {
            await idle.CancelAsync();
            await watchdog;
        }
        clock.Stop();
        return settings.Result("consume", count, clock.Elapsed.TotalSeconds, null, null);
    }

    private static async Task WatchAsync(Func<long> progress, CancellationTokenSource idle)
    {
        long seen = progress();
        long since = Environment.TickCount64;
        while (!idle.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(250, idle.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            long now = progress();
            if (now != seen)
            {
                seen = now;
                since = Environment.TickCount64;
            }
            else if (Environment.TickCount64 - since > IdleLimit.TotalMilliseconds)
            {
                await idle.CancelAsync();
            }
        }
    }
}
