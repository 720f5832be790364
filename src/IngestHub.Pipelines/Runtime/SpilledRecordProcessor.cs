using IngestHub.Client;

namespace IngestHub.Pipelines.Runtime;

/// <summary>The connector's own processor, fed the original record of each relayed one, so a spill worker turns a
/// spill record into exactly the events the connector would have made of the source record.</summary>
internal sealed class SpilledRecordProcessor(IRecordProcessor inner) : IRecordProcessor
{
    public RecordOutcome Process(ConsumeResult record, List<Events.LogEvent> events) => inner.Process(SpillEnvelope.Unwrap(record), events);
}
