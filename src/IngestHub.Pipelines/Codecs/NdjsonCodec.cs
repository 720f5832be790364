using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Codecs;

/// <summary>One JSON object per non-empty line of the record value; a bad line fails alone (its 1-based line
/// number is in the failure) and the other lines still become events.</summary>
public sealed class NdjsonCodec(TimeProvider? clock = null) : ICodec
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public void Decode(in KafkaRecord record, List<LogEvent> events, List<DecodeFailure> failures)
    {
        if (record.Value is not { } value)
            return;
        var rest = value.Span;
        int line = 0;
        while (rest.Length > 0)
        {
            line++;
            int nl = rest.IndexOf((byte)'\n');
            var current = nl < 0 ? rest : rest[..nl];
            rest = nl < 0 ? [] : rest[(nl + 1)..];
            current = current.TrimEnd((byte)'\r');
            if (IsBlank(current))
                continue;
            if (JsonCodec.TryParseObject(current, out var fields, out var reason))
                events.Add(JsonCodec.CreateEvent(fields, record, _clock));
            else
                failures.Add(new DecodeFailure(new SourcePosition(record.Topic, record.Partition, record.Offset), reason, line));
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
            if (b is not ((byte)' ' or (byte)'\t'))
                return false;
        return true;
    }
}
