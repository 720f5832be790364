using System.Diagnostics;
using System.Globalization;
using System.Text;
using IngestHub.Logging;
using IngestHub.Testing;
using Microsoft.Extensions.Logging;

namespace IngestHub.Benchmarks;

/// <summary>
/// Events/s from one process: <c>logging-throughput [--events 500000] [--threads 1]</c>. The IngestHub provider ships
/// into an in-process appliance; timed from the first log call until <c>FlushAsync</c> returns (every event
/// acknowledged), with the loggers holding back while the queue is nearly full so that nothing is dropped. In the same
/// run, Microsoft's console logger (JSON formatter, scopes on) writes the same events to <c>/dev/null</c>, timed until
/// its output thread has written the last one. The same structured call and scope as <see cref="LoggingCallBenchmarks"/>.
/// </summary>
internal static class LoggingThroughputHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
            options[args[i].TrimStart('-')] = args[i + 1];
        int events = int.Parse(options.GetValueOrDefault("events", "500000"), CultureInfo.InvariantCulture);
        int threads = int.Parse(options.GetValueOrDefault("threads", "1"), CultureInfo.InvariantCulture);
        int perThread = events / threads;
        events = perThread * threads;

        await using var appliance = await ApplianceHost.StartAsync("--Logging:LogLevel:Default=Warning");
        using var provider = new IngestHubLoggerProvider(new IngestHubLoggerOptions
        {
            BootstrapServers = appliance.Bootstrap,
            Topic = "bench-logs",
            ServiceName = "bench",
        });
        using (var factory = LoggerFactory.Create(b => b.AddProvider(provider)))
        {
            var logger = factory.CreateLogger("Shop.Orders");
            int capacity = provider.Options.QueueCapacity;
            Log(logger, 1000, () => provider.Statistics.Queued + provider.Statistics.InFlight > capacity * 3 / 4);
            await provider.FlushAsync();
            var before = provider.Statistics;
            var watch = Stopwatch.StartNew();
            RunThreads(threads, () => Log(logger, perThread, () =>
            {
                var s = provider.Statistics;
                return s.Queued + s.InFlight > capacity * 3 / 4;
            }));
            await provider.FlushAsync();
            double seconds = watch.Elapsed.TotalSeconds;
            var after = provider.Statistics;
            long sent = after.Sent - before.Sent;
            long dropped = after.Dropped - before.Dropped;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ingesthub-provider events={events} threads={threads} sent={sent} dropped={dropped} seconds={seconds:F2} events/s={sent / seconds:F0}"));
        }

#pragma warning disable CA2000 // the counting writer owns the stream writer
        using var sink = new CountingWriter(new StreamWriter(File.OpenWrite("/dev/null"), new UTF8Encoding(false)));
#pragma warning restore CA2000
        var stdout = Console.Out;
        Console.SetOut(sink);
        ILoggerFactory console;
        try
        {
            console = LoggerFactory.Create(b => b.AddJsonConsole(o => o.IncludeScopes = true));
        }
        finally
        {
            Console.SetOut(stdout);
        }
        using (console)
        {
            var logger = console.CreateLogger("Shop.Orders");
            Log(logger, 1000, () => false);
            while (sink.Writes < 1000)
                await Task.Delay(1);
            long start = sink.Writes;
            var watch = Stopwatch.StartNew();
            // The console logger's own bounded queue (2,500 messages, Wait mode) holds the callers back.
            RunThreads(threads, () => Log(logger, perThread, () => false));
            while (sink.Writes < start + events)
                await Task.Delay(1);
            double seconds = watch.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"console-json events={events} threads={threads} written={sink.Writes - start} seconds={seconds:F2} events/s={events / seconds:F0}"));
        }
        return 0;
    }

    private static void RunThreads(int threads, Action body)
    {
        var all = new Thread[threads];
        for (int t = 0; t < threads; t++)
            (all[t] = new Thread(() => body())).Start();
        foreach (var t in all)
            t.Join();
    }

    private static void Log(ILogger logger, int count, Func<bool> nearlyFull)
    {
        for (int i = 0; i < count; i++)
        {
            if ((i & 255) == 0)
            {
                while (nearlyFull())
                    Thread.Sleep(1);
            }
            using (logger.BeginScope("Request {RequestId}", "0HN8K2Q1V3"))
                logger.LogInformation("Order {OrderId} shipped to {Region} for {Amount}", i, "eu-west", 99.5m);
        }
    }

    /// <summary>Counts the console logger's writes (one per message) before passing them on.</summary>
    private sealed class CountingWriter(TextWriter inner) : TextWriter
    {
        private long _writes;

        public long Writes => Interlocked.Read(ref _writes);

        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value) => inner.Write(value);

        public override void Write(string? value)
        {
            inner.Write(value);
            Interlocked.Increment(ref _writes);
        }

        public override void Flush() => inner.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
