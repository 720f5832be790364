using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Records;

/// <summary>
/// Builds one record batch v2: records are appended into a pooled buffer, then <see cref="Build"/> compresses
/// that section if asked, writes the 61-byte header and computes the CRC-32C last. <see cref="Reset"/> makes the
/// builder ready for the next batch, keeping its buffers (a producer keeps one builder per partition).
/// The first appended record's timestamp becomes baseTimestamp; offset deltas are 0, 1, 2, …
/// Records are written after room for the header, so <see cref="BuildInPlace"/> can finish an uncompressed batch
/// without copying it.
/// </summary>
public sealed class RecordBatchBuilder : IDisposable
{
    private readonly PooledBufferWriter _records;
    private readonly PooledBufferWriter _compressed;
    private long _baseTimestamp;
    private long _maxTimestamp;

    public RecordBatchBuilder(CompressionType compression = CompressionType.None, int initialCapacity = 16 * 1024)
    {
        Compression = compression;
        _records = new PooledBufferWriter(initialCapacity);
        _records.Reserve(RecordBatchHeader.Size);
        _compressed = new PooledBufferWriter(256);
    }

    /// <summary>Any of the five codecs; the records section is compressed by <see cref="Build"/>.</summary>
    public CompressionType Compression { get; set; }
    /// <summary>Frame snappy the way the Java client does (xerial) instead of a raw block.</summary>
    public bool UseXerialSnappy { get; set; }
    public CompressionLevel GzipLevel { get; set; } = CompressionLevel.Optimal;
    public long BaseOffset { get; set; }
    public int PartitionLeaderEpoch { get; set; } = -1;
    public long ProducerId { get; set; } = -1;
    public short ProducerEpoch { get; set; } = -1;
    public int BaseSequence { get; set; } = -1;
    public bool IsTransactional { get; set; }
    /// <summary>Sets the timestamp-type attribute bit (timestamps are the broker's append time).</summary>
    public bool LogAppendTime { get; set; }

    public int Count { get; private set; }
    /// <summary>Size of the uncompressed records section so far (a batching producer compares it with its limit).</summary>
    public int RecordsBytes => _records.WrittenCount - RecordBatchHeader.Size;

    /// <summary>Appends a record; a null key or value is written as length -1.</summary>
    public void Append(long timestamp, byte[]? key, byte[]? value, ReadOnlySpan<RecordHeaderEntry> headers = default) =>
        AppendSpan(timestamp, key, key is null, value, value is null, headers);

    /// <summary>Appends a record; a null key or value is written as length -1. (A null array converted to
    /// <c>ReadOnlyMemory&lt;byte&gt;?</c> becomes empty, not null: pass arrays to the other overload.)</summary>
    public void Append(long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, ReadOnlySpan<RecordHeaderEntry> headers = default) =>
        AppendSpan(timestamp, key.HasValue ? key.Value.Span : default, key is null,
            value.HasValue ? value.Value.Span : default, value is null, headers);

    /// <summary>Appends a record from spans; the flags mark null key or value.</summary>
    public void AppendSpan(long timestamp, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull,
        ReadOnlySpan<RecordHeaderEntry> headers = default)
    {
        if (Count == 0)
        {
            _baseTimestamp = timestamp;
            _maxTimestamp = timestamp;
        }
        else if (timestamp > _maxTimestamp)
        {
            _maxTimestamp = timestamp;
        }
        long timestampDelta = timestamp - _baseTimestamp;
        int offsetDelta = Count;

        int keyLength = keyIsNull ? -1 : key.Length;
        int valueLength = valueIsNull ? -1 : value.Length;
        long bodyLength = 1 + Varint.SizeOfVarlong(timestampDelta) + Varint.SizeOfVarint(offsetDelta)
            + Varint.SizeOfVarint(keyLength) + Math.Max(keyLength, 0)
            + Varint.SizeOfVarint(valueLength) + Math.Max(valueLength, 0)
            + Varint.SizeOfVarint(headers.Length);
        foreach (var header in headers)
        {
            int headerKeyLength = Encoding.UTF8.GetByteCount(header.Key);
            int headerValueLength = header.Value is { } v ? v.Length : -1;
            bodyLength += Varint.SizeOfVarint(headerKeyLength) + headerKeyLength
                + Varint.SizeOfVarint(headerValueLength) + Math.Max(headerValueLength, 0);
        }
        if (bodyLength > int.MaxValue - Varint.MaxVarintBytes - _records.WrittenCount - RecordBatchHeader.Size)
            throw new ArgumentException("Record too large for a batch.");

        int total = Varint.SizeOfVarint((int)bodyLength) + (int)bodyLength;
        var span = _records.GetSpan(total);
        int pos = Varint.WriteVarint(span, (int)bodyLength);
        span[pos++] = 0; // record attributes: unused
        pos += Varint.WriteVarlong(span[pos..], timestampDelta);
        pos += Varint.WriteVarint(span[pos..], offsetDelta);
        pos += WriteBytes(span[pos..], key, keyLength);
        pos += WriteBytes(span[pos..], value, valueLength);
        pos += Varint.WriteVarint(span[pos..], headers.Length);
        foreach (var header in headers)
        {
            int written = Encoding.UTF8.GetBytes(header.Key, span[(pos + Varint.SizeOfVarint(Encoding.UTF8.GetByteCount(header.Key)))..]);
            pos += Varint.WriteVarint(span[pos..], written) + written;
            pos += header.Value is { } v ? WriteBytes(span[pos..], v.Span, v.Length) : WriteBytes(span[pos..], default, -1);
        }
        _records.Advance(pos);
        Count++;
    }

    /// <summary>Writes the batch to <paramref name="output"/>; returns its size. The builder keeps its records
    /// until <see cref="Reset"/>.</summary>
    public int Build(IBufferWriter<byte> output)
    {
        if (Count == 0)
            throw new InvalidOperationException("A record batch needs at least one record.");
        ReadOnlySpan<byte> section = _records.WrittenSpan[RecordBatchHeader.Size..];
        if (Compression != CompressionType.None)
        {
            _compressed.Clear();
            RecordsCompressor.Compress(Compression, section, _compressed, UseXerialSnappy, GzipLevel);
            section = _compressed.WrittenSpan;
        }

        int size = RecordBatchHeader.Size + section.Length;
        var batch = output.GetSpan(size)[..size];
        section.CopyTo(batch[RecordBatchHeader.Size..]);
        WriteHeader(batch);
        output.Advance(size);
        return size;
    }

    /// <summary>Finishes the batch inside the builder's own buffer (compressed: the compression buffer) and returns
    /// it: no copy of the records. The bytes stay valid, and may be patched (producer id, sequence, CRC), until
    /// <see cref="Reset"/>, <see cref="Dispose"/> or the next append or build.</summary>
    public Memory<byte> BuildInPlace()
    {
        if (Count == 0)
            throw new InvalidOperationException("A record batch needs at least one record.");
        Memory<byte> batch;
        if (Compression == CompressionType.None)
        {
            batch = _records.WrittenMemoryMutable;
        }
        else
        {
            _compressed.Clear();
            _compressed.Reserve(RecordBatchHeader.Size);
            RecordsCompressor.Compress(Compression, _records.WrittenSpan[RecordBatchHeader.Size..], _compressed, UseXerialSnappy, GzipLevel);
            batch = _compressed.WrittenMemoryMutable;
        }
        WriteHeader(batch.Span);
        return batch;
    }

    /// <summary>Writes the 61-byte header in front of a records section already in place, CRC last.</summary>
    private void WriteHeader(Span<byte> batch)
    {
        int size = batch.Length;
        short attributes = (short)((int)Compression
            | (LogAppendTime ? RecordBatchHeader.TimestampTypeFlag : 0)
            | (IsTransactional ? RecordBatchHeader.TransactionalFlag : 0));
        BinaryPrimitives.WriteInt64BigEndian(batch, BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.BatchLengthOffset..], size - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.PartitionLeaderEpochOffset..], PartitionLeaderEpoch);
        batch[RecordBatchHeader.MagicOffset] = RecordBatchHeader.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..], Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..], _maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.ProducerIdOffset..], ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.ProducerEpochOffset..], ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.BaseSequenceOffset..], BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.RecordCountOffset..], Count);
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchHeader.CrcOffset..], RecordBatchHeader.ComputeCrc(batch));
    }

    /// <summary>Builds into a new array (allocating; tests and non-hot callers).</summary>
    public byte[] ToArray()
    {
        using var writer = new PooledBufferWriter(_records.WrittenCount + 64);
        Build(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Forgets the records for the next batch; settings (compression, producer id, …) stay.</summary>
    public void Reset()
    {
        _records.Clear();
        _records.Reserve(RecordBatchHeader.Size);
        _compressed.Clear();
        Count = 0;
        _baseTimestamp = 0;
        _maxTimestamp = 0;
    }

    public void Dispose()
    {
        _records.Dispose();
        _compressed.Dispose();
    }

    private static int WriteBytes(Span<byte> destination, ReadOnlySpan<byte> bytes, int length)
    {
        int n = Varint.WriteVarint(destination, length);
        if (length <= 0)
            return n;
        bytes.CopyTo(destination[n..]);
        return n + length;
    }
}
