using System.Buffers.Binary;
using System.Diagnostics;
using IngestHub.Client;

namespace IngestHub.Cli.Bench;

/// <summary>Produce at a fixed rate with the send time (Stopwatch ticks) in the first 8 bytes of each value; a consumer
/// in the same process measures produce-call-to-consume latency.</summary>
public static class EndToEndBenchmark
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(30);

    public static async Task<BenchResult> RunAsync(BenchSettings settings, Action<string>? progress, CancellationToken ct)
    {
        if (settings.RecordSize < sizeof(long))
            throw new CliException("bench e2e needs --record-size of at least 8 bytes", 2);
        if (settings.Rate <= 0)
            throw new CliException("--rate must be positive", 2);
        int partitions = await BenchTopic.EnsureAsync(settings, ct);
        settings = settings with { Partitions = partitions };
        var (_, end) = await BenchTopic.OffsetsAsync(settings, partitions, ct);

        var latency = new LatencyRecorder(settings.Records);
        await using var consumer = new KafkaConsumer(settings.ConsumerOptions());
        consumer.Assign(end.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long received = 0;
        var consuming = Task.Run(async () =>
        {
            // One warm-up record (send time 0) first, then the measured ones.
            while (Interlocked.Read(ref received) < settings.Records + 1)
            {
                var record = await consumer.ConsumeAsync(stop.Token);
                long now = Stopwatch.GetTimestamp();
                if (record.Value is { Length: >= sizeof(long) } value && BinaryPrimitives.ReadInt64LittleEndian(value) is > 0 and long sentAt)
                    latency.Record(now - sentAt);
                Interlocked.Increment(ref received);
            }
        }, stop.Token);

        byte[] value = settings.NewValue();
        KafkaException? firstError = null;
        Action<DeliveryReport> onDelivery = report =>
        {
            if (!report.IsSuccess)
                Interlocked.CompareExchange(ref firstError, report.Error, null);
        };
        var clock = new Stopwatch();
        await using (var producer = new KafkaProducer(settings.ProducerOptions()))
        {
            // Warm up: connections, metadata and the consumer's first fetch, outside the measurement.
            BinaryPrimitives.WriteInt64LittleEndian(value, 0);
            await producer.ProduceAsync(settings.Topic, null, value, cancellationToken: ct);
            long warmDeadline = Environment.TickCount64 + 30_000;
            while (Interlocked.Read(ref received) == 0)
            {
                if (Environment.TickCount64 > warmDeadline || consuming.IsCompleted)
                {
                    await stop.CancelAsync();
                    throw new CliException("the consumer did not receive the warm-up record within 30 s");
                }
                await Task.Delay(5, ct);
            }
            clock.Start();
            long sent = 0;
            long lastProgress = 0;
            while (sent < settings.Records && firstError is null)
            {
                long due = Math.Min(settings.Records, (long)(clock.Elapsed.TotalSeconds * settings.Rate) + 1);
                for (; sent < due; sent++)
                {
                    // The producer copies the value into its batch before Produce returns, so one buffer serves all records.
                    BinaryPrimitives.WriteInt64LittleEndian(value, Stopwatch.GetTimestamp());
                    producer.Produce(settings.Topic, null, value, onDelivery);
                }
                if (progress is not null && clock.ElapsedMilliseconds - lastProgress >= 200)
                {
                    lastProgress = clock.ElapsedMilliseconds;
                    progress(ProduceBenchmark.Progress("end to end", Interlocked.Read(ref received), clock.Elapsed.TotalSeconds));
                }
                if (sent < settings.Records)
                    await Task.Delay(1, ct);
            }
            await producer.FlushAsync(ct);
        }
        if (firstError is not null)
        {
            await stop.CancelAsync();
            throw new CliException($"delivery failed: {firstError.Message}");
        }
        if (await Task.WhenAny(consuming, Task.Delay(DrainLimit, ct)) != consuming)
        {
            await stop.CancelAsync();
            throw new CliException($"only {Interlocked.Read(ref received) - 1:N0} of {settings.Records:N0} records consumed within {DrainLimit.TotalSeconds:F0} s of the last send");
        }
        await consuming;
        clock.Stop();
        return settings.Result("e2e", settings.Records, clock.Elapsed.TotalSeconds, latency.Summarize(), "end-to-end", settings.Rate);
    }
}
