using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IngestHub.Pipelines;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Configuration;

namespace IngestHub.Benchmarks;

/// <summary>
/// <c>pipeline-alloc</c>: bytes allocated and CPU time per event of decode → filters → serialize (what a worker does
/// with each record before the sink's round trip), for a few pipeline shapes, on one thread. Allocation counts are
/// exact whatever else runs on the machine; CPU time is the process's, so read it as an estimate.
/// </summary>
internal static class PipelineAllocationHarness
{
    private static readonly (string Name, string Yaml)[] Shapes =
    [
        ("json codec, no filters", "codec: json"),
        ("plain codec + json filter", "codec: plain\nfilters: [{json: {source: message}}]"),
        ("json codec + mutate add_field", "codec: json\nfilters: [{mutate: {add_field: {env: prod}}}]"),
    ];

    public static int Run(string[] args)
    {
        int events = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
        var records = new KafkaRecord[events];
        for (int i = 0; i < events; i++)
        {
            var value = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $$"""{"n":{{i}},"service":"checkout","level":"INFO","host":"web-{{i % 8:D2}}","message":"GET /api/items/{{i % 100_000}} 200 in {{i % 97}} ms","trace":"{{i * 2654435761 % 4294967296:x8}}"}"""));
            records[i] = new KafkaRecord("events", i % 4, i, 1_700_000_000_000 + i, null, value);
        }
        foreach (var (name, yaml) in Shapes)
        {
            var pipeline = Pipeline.Compile(PipelineDefinition.FromYaml("name: p\ninput: {topics: [events]}\n" + yaml + "\noutput: {type: redis}"));
            var output = new PipelineOutput();
            var buffer = new ArrayBufferWriter<byte>(4 << 20);
            using var writer = new Utf8JsonWriter(buffer);
            void Pass()
            {
                foreach (var record in records)
                {
                    pipeline.Process(record, output);
                    foreach (var e in output.Events)
                    {
                        writer.Reset(buffer);
                        e.WriteTo(writer);
                        writer.Flush();
                    }
                    output.Clear();
                    if (buffer.WrittenCount > (2 << 20))
                        buffer.ResetWrittenCount();
                }
            }
            Pass();
            GC.Collect();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            Pass();
            wall.Stop();
            var usedCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-32} {allocated / (double)events,8:F0} B/event  {usedCpu.TotalMicroseconds / events,6:F2} us CPU/event  {events / wall.Elapsed.TotalSeconds,10:N0} events/s (one thread)"));
        }
        return 0;
    }
}
