using System.Diagnostics;
using System.Globalization;
using IngestHub.Client;

namespace IngestHub.Cli.Bench;

/// <summary>One producer sending <see cref="BenchSettings.Records"/> keyless records as fast as the client accepts
/// them; latency is from the produce call to the delivery report.</summary>
public static class ProduceBenchmark
{
    public static async Task<BenchResult> RunAsync(BenchSettings settings, Action<string>? progress, CancellationToken ct)
    {
        int partitions = await BenchTopic.EnsureAsync(settings, ct);
        settings = settings with { Partitions = partitions };
        var (delivered, seconds, latency) = await ProduceAsync(settings, settings.Records, progress, ct);
        return settings.Result("produce", delivered, seconds, latency, "produce");
    }

    /// <summary>Produces <paramref name="records"/> records; throws on the first failed delivery.</summary>
    internal static async Task<(long Delivered, double Seconds, LatencySummary? Latency)> ProduceAsync(BenchSettings settings, long records,
        Action<string>? progress, CancellationToken ct)
    {
        byte[] value = settings.NewValue();
        var latency = new LatencyRecorder(records);
        long delivered = 0;
        KafkaException? firstError = null;
        var clock = new Stopwatch();
        await using (var producer = new KafkaProducer(settings.ProducerOptions()))
        {
            // Metadata for the topic before the clock starts.
            await producer.ProduceAsync(settings.Topic, null, value, cancellationToken: ct);
            clock.Start();
            long lastProgress = 0;
            for (long i = 0; i < records; i++)
            {
                long sent = Stopwatch.GetTimestamp();
                producer.Produce(settings.Topic, null, value, report =>
                {
                    latency.Record(Stopwatch.GetTimestamp() - sent);
                    if (report.IsSuccess)
                        Interlocked.Increment(ref delivered);
                    else
                        Interlocked.CompareExchange(ref firstError, report.Error, null);
                });
                if (Volatile.Read(ref firstError) is not null)
                    break;
                if (progress is not null && (i & 1023) == 0 && clock.ElapsedMilliseconds - lastProgress >= 200)
                {
                    lastProgress = clock.ElapsedMilliseconds;
                    progress(Progress("produced", Interlocked.Read(ref delivered), clock.Elapsed.TotalSeconds));
                }
                ct.ThrowIfCancellationRequested();
            }
            await producer.FlushAsync(ct);
            clock.Stop();
        }
        if (firstError is not null)
            throw new CliException($"delivery failed: {firstError.Message}");
        return (delivered, clock.Elapsed.TotalSeconds, latency.Summarize());
    }

    internal static string Progress(string verb, long records, double seconds) => string.Create(CultureInfo.InvariantCulture,
        $"{verb} {records:N0} records ({(seconds > 0 ? records / seconds : 0):N0} records/s)");
}
