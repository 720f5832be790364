using System.Buffers;
using System.Text;
using System.Text.Json;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;
using Xunit;

namespace IngestHub.Pipelines.Tests;

/// <summary>
/// Bytes allocated per event on the pipeline's hot paths, counted by the runtime (deterministic, unlike time). A
/// budget broken means a path started allocating per event again: find the allocation (BenchmarkDotNet's memory
/// diagnoser, `PipelineBenchmarks`) before raising the budget.
/// </summary>
public sealed class AllocationBudgetTests
{
    private const int Events = 20_000;

    private static KafkaRecord[] Records(string topic)
    {
        var records = new KafkaRecord[Events];
        for (int i = 0; i < records.Length; i++)
        {
            var value = Encoding.UTF8.GetBytes($$"""{"n":{{i}},"service":"web","level":"INFO","message":"GET /items/{{i}} 200 in {{i % 97}} ms","host":"web-01"}""");
            records[i] = new KafkaRecord(topic, i % 4, i, 1_700_000_000_000 + i, null, value);
        }
        return records;
    }

    /// <summary>Bytes allocated on this thread per call of <paramref name="perEvent"/>, after a warm-up pass.</summary>
    private static double BytesPerEvent(KafkaRecord[] records, Action<KafkaRecord> perEvent)
    {
        foreach (var r in records)
            perEvent(r);
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var r in records)
            perEvent(r);
        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)records.Length;
    }

    [Fact]
    public void Json_codec_without_filters_to_serialized_bytes_allocates_only_the_event()
    {
        var pipeline = Pipeline.Compile(PipelineDefinition.FromYaml("name: p\ninput: {topics: [t]}\ncodec: json\noutput: {type: redis}"));
        var output = new PipelineOutput();
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        using var writer = new Utf8JsonWriter(buffer);
        var records = Records("t");
        double perEvent = BytesPerEvent(records, record =>
        {
            pipeline.Process(record, output);
            foreach (var e in output.Events)
            {
                writer.Reset(buffer);
                e.WriteTo(writer);
                writer.Flush();
            }
            output.Clear();
            if (buffer.WrittenCount > (1 << 19))
                buffer.ResetWrittenCount();
        });
        // The LogEvent itself (its fields, the record's position and timestamp) and its SourcePosition; nothing parsed.
        Assert.True(perEvent <= 224, $"json codec → serialize allocated {perEvent:F0} B per event (budget 224 B; 184 B when set)");
    }
}
