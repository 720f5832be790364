using IngestHub.Protocol.Messages;
using IngestHub.Storage;

namespace IngestHub.Broker.Logs;

/// <summary>A fetch response's records taken straight from segment files: the bytes are read (pread) directly
/// into the outgoing frame when it is written, with no decoding and no intermediate copy.</summary>
public sealed class LogRecordsPayload(LogReadResult read) : RecordsPayload
{
    public override int Length => read.Length;
    /// <summary>Records in the copied batches, known once the payload has been written.</summary>
    public int RecordCount { get; private set; }

    public override void CopyTo(Span<byte> destination)
    {
        read.CopyTo(destination);
        RecordCount = BrokerMetrics.CountRecords(destination[..read.Length]);
    }
}
