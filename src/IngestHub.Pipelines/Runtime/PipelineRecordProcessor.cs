using IngestHub.Client;
using IngestHub.Pipelines.Codecs;

namespace IngestHub.Pipelines.Runtime;

/// <summary>Adapts a compiled <see cref="Pipeline"/> (codec + filters) to the runtime's record processor.</summary>
public sealed class PipelineRecordProcessor(Pipeline pipeline) : IRecordProcessor
{
    public RecordOutcome Process(ConsumeResult record)
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
        var output = pipeline.Process(input);
        if (output.Failures.Count > 0)
        {
            var failure = output.Failures[0];
            string reason = failure.Line > 0 ? $"line {failure.Line}: {failure.Reason}" : failure.Reason;
            if (output.Failures.Count > 1)
                reason += $" (and {output.Failures.Count - 1} more lines)";
            return new RecordOutcome(output.Events, output.Dropped, "codec", reason);
        }
        return new RecordOutcome(output.Events, output.Dropped, null, null);
    }
}
