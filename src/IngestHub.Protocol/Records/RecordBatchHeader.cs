using System.Buffers.Binary;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Records;

/// <summary>
/// The fixed 61-byte header of a Kafka record batch (magic 2), read in place. The storage engine uses it
/// to validate and index batches without decoding records.
/// </summary>
public readonly struct RecordBatchHeader
{
    public const int Size = 61;
    /// <summary>baseOffset (8) + batchLength (4): bytes not counted by batchLength.</summary>
    public const int LogOverhead = 12;
    public const byte CurrentMagic = 2;

    public const int BaseOffsetOffset = 0;
    public const int BatchLengthOffset = 8;
    public const int PartitionLeaderEpochOffset = 12;
    public const int MagicOffset = 16;
    public const int CrcOffset = 17;
    public const int AttributesOffset = 21;
    public const int LastOffsetDeltaOffset = 23;
    public const int BaseTimestampOffset = 27;
    public const int MaxTimestampOffset = 35;
    public const int ProducerIdOffset = 43;
    public const int ProducerEpochOffset = 51;
    public const int BaseSequenceOffset = 53;
    public const int RecordCountOffset = 57;

    public const short CompressionMask = 0x07;
    public const short TimestampTypeFlag = 0x08;
    public const short TransactionalFlag = 0x10;
    public const short ControlFlag = 0x20;
    /// <summary>Set by log compaction (KIP-534): baseTimestamp holds the time after which the batch's tombstones may go.</summary>
    public const short DeleteHorizonFlag = 0x40;

    public long BaseOffset { get; init; }
    public int BatchLength { get; init; }
    public int PartitionLeaderEpoch { get; init; }
    public byte Magic { get; init; }
    public uint Crc { get; init; }
    public short Attributes { get; init; }
    public int LastOffsetDelta { get; init; }
    public long BaseTimestamp { get; init; }
    public long MaxTimestamp { get; init; }
    public long ProducerId { get; init; }
    public short ProducerEpoch { get; init; }
    public int BaseSequence { get; init; }
    public int RecordCount { get; init; }

    /// <summary>Bytes the whole batch occupies, header included.</summary>
    public int TotalSize => LogOverhead + BatchLength;
    public long LastOffset => BaseOffset + LastOffsetDelta;
    public CompressionType Compression => (CompressionType)(Attributes & CompressionMask);
    public bool IsTransactional => (Attributes & TransactionalFlag) != 0;
    public bool IsControl => (Attributes & ControlFlag) != 0;
    /// <summary>The delete horizon set by compaction (the baseTimestamp field), or -1 when the flag is not set.</summary>
    public long DeleteHorizonMs => (Attributes & DeleteHorizonFlag) != 0 ? BaseTimestamp : -1;
    public bool HasProducerId => ProducerId >= 0;

    /// <summary>Last sequence number of the batch, wrapping past Int32.MaxValue to 0 as Kafka does.</summary>
    public int LastSequence => BaseSequence < 0 ? -1 : (int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1));

    /// <summary>Reads the header fields. Checks only that the 61 bytes are there, the magic and the length sanity;
    /// not the CRC (see <see cref="TryValidate"/>).</summary>
    public static RecordBatchError TryRead(ReadOnlySpan<byte> buffer, out RecordBatchHeader header)
    {
        header = default;
        if (buffer.Length < Size)
        {
            if (buffer.Length > MagicOffset && buffer[MagicOffset] != CurrentMagic)
                return RecordBatchError.UnsupportedMagic;
            return RecordBatchError.Truncated;
        }
        int batchLength = BinaryPrimitives.ReadInt32BigEndian(buffer[BatchLengthOffset..]);
        byte magic = buffer[MagicOffset];
        if (magic != CurrentMagic)
            return RecordBatchError.UnsupportedMagic;
        if (batchLength < Size - LogOverhead)
            return RecordBatchError.InvalidLength;
        header = new RecordBatchHeader
        {
            BaseOffset = BinaryPrimitives.ReadInt64BigEndian(buffer),
            BatchLength = batchLength,
            PartitionLeaderEpoch = BinaryPrimitives.ReadInt32BigEndian(buffer[PartitionLeaderEpochOffset..]),
            Magic = magic,
            Crc = BinaryPrimitives.ReadUInt32BigEndian(buffer[CrcOffset..]),
            Attributes = BinaryPrimitives.ReadInt16BigEndian(buffer[AttributesOffset..]),
            LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(buffer[LastOffsetDeltaOffset..]),
            BaseTimestamp = BinaryPrimitives.ReadInt64BigEndian(buffer[BaseTimestampOffset..]),
            MaxTimestamp = BinaryPrimitives.ReadInt64BigEndian(buffer[MaxTimestampOffset..]),
            ProducerId = BinaryPrimitives.ReadInt64BigEndian(buffer[ProducerIdOffset..]),
            ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(buffer[ProducerEpochOffset..]),
            BaseSequence = BinaryPrimitives.ReadInt32BigEndian(buffer[BaseSequenceOffset..]),
            RecordCount = BinaryPrimitives.ReadInt32BigEndian(buffer[RecordCountOffset..]),
        };
        return RecordBatchError.None;
    }

    /// <summary>Reads the header and checks that the whole batch is present, its counts are sane and its
    /// CRC-32C matches. Records are not decoded (compressed batches stay opaque).</summary>
    public static RecordBatchError TryValidate(ReadOnlySpan<byte> buffer, out RecordBatchHeader header)
    {
        var error = TryRead(buffer, out header);
        if (error != RecordBatchError.None)
            return error;
        if (buffer.Length < header.TotalSize)
            return RecordBatchError.Truncated;
        if (header.RecordCount < 0 || header.LastOffsetDelta < 0)
            return RecordBatchError.RecordCountMismatch;
        if (ComputeCrc(buffer[..header.TotalSize]) != header.Crc)
            return RecordBatchError.CrcMismatch;
        return RecordBatchError.None;
    }

    /// <summary>CRC-32C over attributes … end of batch (the span must be exactly one batch).</summary>
    public static uint ComputeCrc(ReadOnlySpan<byte> batch) => Crc32C.Compute(batch[AttributesOffset..]);

    /// <summary>Rewrites baseOffset in place (outside the CRC, so the CRC stays valid).</summary>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset) =>
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);

    /// <summary>Rewrites partitionLeaderEpoch in place (outside the CRC).</summary>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int epoch) =>
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], epoch);
}
