using System.Buffers.Binary;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Broker.Groups;

/// <summary>
/// One entry of the offsets file that data directories of earlier versions kept (<c>__consumer_offsets/offsets.log</c>
/// and <c>offsets.snapshot</c>), read once to migrate them (<see cref="LegacyOffsetFiles"/>):
/// <c>length i32 · crc32c u32 · body</c>, where the body is
/// <c>kind i8 · group · topic · partition i32 · offset i64 · leader epoch i32 · commit time i64 · metadata</c>
/// (strings as Kafka nullable strings). A delete carries the same key and zeroes.
/// </summary>
internal readonly record struct OffsetLogRecord(bool IsDelete, string Group, GroupPartition Partition, CommittedOffset Offset)
{
    private const sbyte CommitKind = 1;
    private const sbyte DeleteKind = 2;
    private const int HeaderSize = 8;
    /// <summary>Bodies beyond this are treated as corruption (group ids and metadata are small).</summary>
    private const int MaxBodySize = 1 << 20;

    public void WriteTo(PooledBufferWriter output)
    {
        int start = output.Reserve(HeaderSize);
        int bodyStart = output.WrittenCount;
        var writer = new KafkaWriter(output);
        writer.WriteInt8(IsDelete ? DeleteKind : CommitKind);
        writer.WriteString(Group);
        writer.WriteString(Partition.Topic);
        writer.WriteInt32(Partition.Partition);
        writer.WriteInt64(Offset.Offset);
        writer.WriteInt32(Offset.LeaderEpoch);
        writer.WriteInt64(Offset.CommitTimestampMs);
        writer.WriteNullableString(Offset.Metadata);
        var all = output.WrittenSpanMutable;
        var body = all[bodyStart..];
        BinaryPrimitives.WriteInt32BigEndian(all[start..], body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(all[(start + 4)..], Crc32C.Compute(body));
    }

    /// <summary>Reads the record at the start of <paramref name="data"/>; false when it is incomplete or corrupt
    /// (a torn tail), in which case nothing after it can be trusted.</summary>
    public static bool TryRead(ReadOnlyMemory<byte> data, out OffsetLogRecord record, out int size)
    {
        record = default;
        size = 0;
        var span = data.Span;
        if (span.Length < HeaderSize)
            return false;
        int length = BinaryPrimitives.ReadInt32BigEndian(span);
        if (length <= 0 || length > MaxBodySize || span.Length - HeaderSize < length)
            return false;
        var body = data.Slice(HeaderSize, length);
        if (Crc32C.Compute(body.Span) != BinaryPrimitives.ReadUInt32BigEndian(span[4..]))
            return false;
        try
        {
            var reader = new KafkaReader(body);
            sbyte kind = reader.ReadInt8();
            string group = reader.ReadString();
            string topic = reader.ReadString();
            int partition = reader.ReadInt32();
            long offset = reader.ReadInt64();
            int epoch = reader.ReadInt32();
            long timestamp = reader.ReadInt64();
            string? metadata = reader.ReadNullableString();
            if (kind != CommitKind && kind != DeleteKind)
                return false;
            record = new OffsetLogRecord(kind == DeleteKind, group, new GroupPartition(topic, partition), new CommittedOffset(offset, epoch, metadata, timestamp));
        }
        catch (MalformedMessageException)
        {
            return false;
        }
        size = HeaderSize + length;
        return true;
    }
}
