using System.Text;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Codecs;

/// <summary>The record value, decoded as UTF-8 (invalid bytes replaced) without its line ending, becomes
/// <c>message</c>. A tombstone produces no event.</summary>
public sealed class PlainCodec(TimeProvider? clock = null) : ICodec
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public void Decode(in KafkaRecord record, List<LogEvent> events, List<DecodeFailure> failures)
    {
        if (record.Value is not { } value)
            return;
        var span = value.Span;
        while (span.Length > 0 && span[^1] is (byte)'\n' or (byte)'\r')
            span = span[..^1];
        var fields = new JsonObject { ["message"] = Encoding.UTF8.GetString(span) };
        events.Add(KafkaMetadata.CreateEvent(fields, record, _clock));
    }
}
