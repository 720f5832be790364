using System.Runtime.InteropServices;
using IngestHub.Broker.Producers;
using IngestHub.Protocol;
using IngestHub.Protocol.Records;
using IngestHub.Storage;

namespace IngestHub.Broker.Logs;

/// <summary>
/// One partition as the broker serves it: its log, the idempotent-producer table that guards it, and the signal
/// that wakes long-polling fetches. Appends are serialised here (the log's single writer); reads go straight to
/// the log, lock-free.
/// </summary>
public sealed class PartitionState
{
    private readonly Lock _appendLock = new();

    public PartitionState(string topic, int index, PartitionLog log)
    {
        Topic = topic;
        Index = index;
        Log = log;
    }

    public string Topic { get; }
    public int Index { get; }
    /// <summary>The leader epoch of this partition on this broker: 0 from creation, persisted with the topic, raised
    /// only by a leader change (none happens on a single broker).</summary>
    public int LeaderEpoch { get; init; }
    public PartitionLog Log { get; }
    public ProducerStateTable Producers { get; } = new();
    public AppendSignal Signal { get; } = new();
    /// <summary>Offset up to which producer state was rebuilt or snapshotted.</summary>
    public long ProducerStateOffset { get; set; }

    /// <summary>
    /// Appends one record batch sent by a producer (exactly one per partition, as Produce v3+ requires).
    /// Checks idempotent sequences first; a retry of one of the producer's last five batches is answered with
    /// the original offsets and not written again.
    /// </summary>
    public ProduceOutcome Append(ReadOnlyMemory<byte> records, bool fsync)
    {
        var span = MemoryMarshal.AsMemory(records).Span; // the request frame is ours; baseOffset is rewritten in place
        // Header checks only: the log validates size, magic and CRC-32C when it appends, so the CRC is computed once.
        var headerError = RecordBatchHeader.TryRead(span, out var header);
        if (headerError != RecordBatchError.None)
            return ProduceOutcome.Failed(PartitionLog.ToErrorCode(headerError), DescribeBatchError(headerError));
        if (header.TotalSize != span.Length)
            return ProduceOutcome.Failed(ErrorCode.InvalidRecord, "a produce request must carry exactly one record batch per partition");
        if (header.RecordCount != header.LastOffsetDelta + 1)
            return ProduceOutcome.Failed(ErrorCode.InvalidRecord, $"record count {header.RecordCount} does not match last offset delta {header.LastOffsetDelta}");
        if (header.IsTransactional || header.IsControl)
            return ProduceOutcome.Failed(ErrorCode.InvalidRecord, "transactional and control batches are not supported");

        AppendResult result;
        lock (_appendLock)
        {
            var check = Producers.Check(header);
            if (check.Error != ErrorCode.None)
                return ProduceOutcome.Failed(check.Error, null);
            if (check.Duplicate is { } duplicate)
                return new ProduceOutcome(ErrorCode.None, duplicate.FirstOffset, -1, Log.LogStartOffset, null);
            result = Log.Append(span, fsync);
            if (!result.Succeeded)
                return ProduceOutcome.Failed(result.Error, DescribeBatchError(result.BatchError));
            Producers.Update(header, result.BaseOffset);
        }
        Signal.Notify();
        return new ProduceOutcome(ErrorCode.None, result.BaseOffset, result.LogAppendTime, result.LogStartOffset, null);
    }

    /// <summary>Rebuilds idempotent-producer state from the batch headers at and after <paramref name="fromOffset"/>.</summary>
    public void RebuildProducerState(long fromOffset)
    {
        lock (_appendLock)
        {
            foreach (var header in Log.ReadBatchHeaders(Math.Max(fromOffset, Log.LogStartOffset)))
                Producers.Update(header, header.BaseOffset);
            ProducerStateOffset = Log.LogEndOffset;
        }
    }

    private static string? DescribeBatchError(RecordBatchError error) => error switch
    {
        RecordBatchError.None => null,
        RecordBatchError.CrcMismatch => "record batch CRC-32C does not match its contents",
        RecordBatchError.UnsupportedMagic => "only record batch format v2 (magic 2) is accepted",
        RecordBatchError.Truncated => "record batch is shorter than its declared length",
        _ => "invalid record batch: " + error,
    };
}
