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
    private int _leaderEpoch;

    public PartitionState(string topic, int index, IPartitionLog log)
    {
        Topic = topic;
        Index = index;
        Log = log;
        _leaderEpoch = Epochs.Latest;
    }

    public string Topic { get; }
    public int Index { get; }
    /// <summary>The leader epoch of this partition on this broker: 0 from creation, one more each time the broker
    /// takes leadership again (at every start); -1 until it first leads.</summary>
    public int LeaderEpoch => Volatile.Read(ref _leaderEpoch);
    /// <summary>Every epoch and the offset it began at (OffsetForLeaderEpoch, Fetch's diverging-epoch check).</summary>
    public LeaderEpochCache Epochs => Log.LeaderEpochs;
    public IPartitionLog Log { get; }
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
            RecordBatchHeader.SetPartitionLeaderEpoch(span, LeaderEpoch);
            result = Log.Append(span, fsync);
            if (!result.Succeeded)
                return ProduceOutcome.Failed(result.Error, result.Message ?? DescribeBatchError(result.BatchError));
            Producers.Update(header, result.BaseOffset);
        }
        Signal.Notify();
        return new ProduceOutcome(ErrorCode.None, result.BaseOffset, result.LogAppendTime, result.LogStartOffset, null);
    }

    /// <summary>Takes leadership of the partition: a new leader epoch begins at the log end offset (persisted).</summary>
    public void BecomeLeader()
    {
        lock (_appendLock)
            Volatile.Write(ref _leaderEpoch, Epochs.BeginNextEpoch(Log.LogEndOffset));
    }

    /// <summary>Cluster mode: adopts the leader epoch the cluster assigned. As leader, the epoch begins at the log end
    /// offset (recorded in the epoch cache); as follower, the epoch cache follows the batches the leader sends.</summary>
    public void AdoptLeaderEpoch(int epoch, bool leader)
    {
        lock (_appendLock)
        {
            if (leader && epoch > Epochs.Latest)
                Epochs.Begin(epoch, Log.LogEndOffset);
            Volatile.Write(ref _leaderEpoch, epoch);
        }
    }

    /// <summary>Cluster mode: appends batches fetched from the leader at the leader's offsets, keeping the epoch
    /// cache and the idempotent-producer state in step with them.</summary>
    public AppendResult AppendReplicated(Span<byte> records)
    {
        AppendResult result;
        lock (_appendLock)
        {
            result = Log.AppendAsFollower(records); // the log's epoch cache follows the batches' epochs
            if (!result.Succeeded)
                return result;
            for (int offset = 0; offset < records.Length;)
            {
                RecordBatchHeader.TryRead(records[offset..], out var header);
                Producers.Update(header, header.BaseOffset);
                offset += header.TotalSize;
            }
        }
        Signal.Notify();
        return result;
    }

    /// <summary>Cluster mode: drops the log's tail from <paramref name="offset"/> on, and the epochs that began there;
    /// the producer state is rebuilt from the remaining log.</summary>
    public long TruncateTo(long offset)
    {
        lock (_appendLock)
        {
            long end = Log.TruncateTo(offset); // and the epochs that began there
            Producers.Clear();
            foreach (var header in Log.ReadBatchHeaders(Log.LogStartOffset))
                Producers.Update(header, header.BaseOffset);
            return end;
        }
    }

    /// <summary>The idempotent producers this partition remembers, read under the append lock.</summary>
    public List<ProducerSummary> DescribeProducers()
    {
        lock (_appendLock)
        {
            var producers = new List<ProducerSummary>(Producers.Count);
            foreach (var (id, entry) in Producers.Producers)
                producers.Add(new ProducerSummary(id, entry.Epoch, entry.Batches.Count > 0 ? entry.Batches[^1].LastSequence : -1, entry.LastTimestamp));
            return producers;
        }
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
