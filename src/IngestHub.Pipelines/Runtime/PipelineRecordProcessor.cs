using IngestHub.Client;
using IngestHub.Pipelines.Codecs;

namespace IngestHub.Pipelines.Runtime;

/// <summary>Adapts a compiled <see cref="Pipeline"/> (codec + filters) to the runtime's record processor.</summary>
public sealed class PipelineRecordProcessor(Pipeline pipeline) : IRecordProcessor
{
    // One scratch output per thread: Process is synchronous, so it is empty again before any other call on the thread.
    [ThreadStatic]
    private static PipelineOutput? t_output;

    public RecordOutcome Process(ConsumeResult record, List<Events.LogEvent> events)
    {
        List<KafkaHeader>? headers = null;
        if (record.Headers.Count > 0)
        {
            headers = new List<KafkaHeader>(record.Headers.Count);
            foreach (var h in record.Headers)
                headers.Add(new KafkaHeader(h.Key, h.Value is null ? null : (ReadOnlyMemory<byte>?)h.Value));
        }
        var input = new KafkaRecord(record.Topic, record.Partition, record.Offset, record.Timestamp,
            // A null byte[] would convert to empty memory; null key/value must stay null.
            record.Key is null ? null : (ReadOnlyMemory<byte>?)record.Key, record.Value is null ? null : (ReadOnlyMemory<byte>?)record.Value, headers);
        var output = t_output ??= new PipelineOutput();
        try
        {
            pipeline.Process(input, output);
            events.AddRange(output.Events);
            if (output.Failures.Count > 0)
            {
                var failure = output.Failures[0];
                string reason = failure.Line > 0 ? $"line {failure.Line}: {failure.Reason}" : failure.Reason;
                if (output.Failures.Count > 1)
                    reason += $" (and {output.Failures.Count - 1} more lines)";
                return new RecordOutcome(output.Events.Count, output.Dropped, "codec", reason);
            }
            return new RecordOutcome(output.Events.Count, output.Dropped, null, null);
        }
        finally
        {
            output.Clear();
        }
    }
}
