using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Connectors.Elasticsearch;
using IngestHub.Connectors.Elasticsearch.Tests.TestServer;
using IngestHub.Pipelines.Events;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Benchmarks;

/// <summary>
/// Throughput of the Elasticsearch sink: events/s it turns into <c>_bulk</c> NDJSON and gets acknowledged by the
/// Elasticsearch test server in acknowledge-only mode (framing checked, nothing stored), so the figure is the
/// sink's ceiling, not a cluster's:
/// <c>es-sink [--batch 1000] [--callers 1] [--seconds 10] [--gzip false] [--in-flight 2] [--store false] [--api raw]</c>.
/// Each caller owns a sink and writes the same pre-built batch repeatedly, as a pipeline worker would.
/// <c>--api typed</c> writes through the client's typed bulk API instead (<see cref="TypedBulkWriter"/>).
/// </summary>
internal static class ElasticsearchSinkHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
            options[args[i].TrimStart('-')] = args[i + 1];
        string Get(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;
        int batchSize = int.Parse(Get("batch", "1000"), CultureInfo.InvariantCulture);
        int callers = int.Parse(Get("callers", "1"), CultureInfo.InvariantCulture);
        double seconds = double.Parse(Get("seconds", "10"), CultureInfo.InvariantCulture);
        bool gzip = bool.Parse(Get("gzip", "false"));
        int inFlight = int.Parse(Get("in-flight", "2"), CultureInfo.InvariantCulture);
        bool store = bool.Parse(Get("store", "false"));
        string api = Get("api", "raw");
        if (api is not ("raw" or "typed"))
            throw new ArgumentException("--api must be raw or typed");

        await using var server = await ElasticsearchTestServer.StartAsync(storeDocuments: store);
        var batch = MakeBatch(batchSize);
        long bodyBytes = MeasureBody(batch);
        var settings = new JsonObject
        {
            ["hosts"] = server.Url.AbsoluteUri,
            ["index"] = "bench-%{+yyyy.MM.dd}",
            ["compression"] = gzip ? "gzip" : "none",
            ["max.in.flight.requests"] = inFlight.ToString(CultureInfo.InvariantCulture),
        };
        var factory = new ElasticsearchSinkFactory();
        var writers = new Func<Task>[callers];
        var sinks = new List<ElasticsearchSink>();
        var typedWriters = new List<TypedBulkWriter>();
        for (int c = 0; c < callers; c++)
        {
            if (api == "typed")
            {
                var typed = new TypedBulkWriter(server.Url, gzip);
                typedWriters.Add(typed);
                writers[c] = async () =>
                {
                    if (await typed.WriteAsync(batch, CancellationToken.None) != batch.Count)
                        throw new InvalidOperationException("rejections in a benchmark run");
                };
                continue;
            }
            var sink = (ElasticsearchSink)factory.Create("bench" + c, JsonNode.Parse(settings.ToJsonString())!.AsObject(), NullLoggerFactory.Instance);
            sinks.Add(sink);
            writers[c] = async () =>
            {
                if ((await sink.WriteAsync(batch, CancellationToken.None)).Rejected.Count != 0)
                    throw new InvalidOperationException("rejections in a benchmark run");
            };
        }

        // Warm up connections and JIT.
        foreach (var write in writers)
            for (int i = 0; i < 20; i++)
                await write();

        long events = 0;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int gen0Before = GC.CollectionCount(0);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var workers = new Task[callers];
        for (int c = 0; c < callers; c++)
        {
            var write = writers[c];
            workers[c] = Task.Run(async () =>
            {
                while (watch.Elapsed < deadline)
                {
                    await write();
                    Interlocked.Add(ref events, batch.Count);
                }
            });
        }
        await Task.WhenAll(workers);
        double elapsed = watch.Elapsed.TotalSeconds;
        double allocatedPerEvent = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / events;
        int gen0 = GC.CollectionCount(0) - gen0Before;
        double cpuPerEvent = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / events;
        foreach (var sink in sinks)
            await sink.DisposeAsync();
        foreach (var typed in typedWriters)
            typed.Dispose();

        double perSecond = events / elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"es-sink api={api} batch={batchSize} callers={callers} in-flight={inFlight} gzip={gzip} store={store}: {perSecond:F0} events/s, {perSecond * bodyBytes / batchSize / 1048576:F1} MiB/s NDJSON (≈{bodyBytes / batchSize} B/event), {events} events in {elapsed:F1} s, {allocatedPerEvent:F0} B allocated/event, {cpuPerEvent:F2} µs CPU/event (sink and test server), {gen0} gen0 GCs"));
        return 0;
    }

    private static List<LogEvent> MakeBatch(int size)
    {
        var batch = new List<LogEvent>(size);
        var start = DateTimeOffset.UtcNow;
        for (int n = 0; n < size; n++)
        {
            var e = new LogEvent(new JsonObject
            {
                ["message"] = $"GET /api/orders/{n} 200 12ms",
                ["log"] = new JsonObject { ["level"] = "info" },
                ["service"] = new JsonObject { ["name"] = "checkout" },
                ["host"] = new JsonObject { ["name"] = $"web-{n % 8}" },
                ["http"] = new JsonObject { ["status"] = 200, ["bytes"] = 512 + n },
            })
            {
                Source = new SourcePosition("app-logs", n % 6, 1_000_000 + n),
            };
            e.Timestamp = start.AddMilliseconds(n);
            batch.Add(e);
        }
        return batch;
    }

    private static long MeasureBody(List<LogEvent> batch)
    {
        long bytes = 0;
        foreach (var e in batch)
            bytes += e.Fields.ToJsonString().Length + 80; // source line plus an action line of about 80 bytes
        return bytes;
    }
}
