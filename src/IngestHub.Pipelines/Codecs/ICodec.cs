using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Codecs;

/// <summary>Turns one Kafka record into zero or more events. Pure: no I/O, safe to share across workers.</summary>
public interface ICodec
{
    /// <summary>Appends the decoded events to <paramref name="events"/> and the failures to
    /// <paramref name="failures"/>; never throws for bad input.</summary>
    void Decode(in KafkaRecord record, List<LogEvent> events, List<DecodeFailure> failures);
}
