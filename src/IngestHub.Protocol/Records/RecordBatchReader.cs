using System.Buffers;

namespace IngestHub.Protocol.Records;

/// <summary>
/// Decodes the records of one batch v2.
/// <para>Design: <see cref="RecordBatchEnumerator"/> frames a span of concatenated batches (a Fetch records
/// field, a chunk of a segment file) and yields each batch's bytes; a <see cref="RecordBatchReader"/> opened on
/// one batch checks its header and CRC-32C, decompresses gzip, snappy, lz4 or zstd into one pooled array (uncompressed
/// batches are read in place) and yields <see cref="Record"/> views with absolute offset and timestamp.
/// Nothing is allocated per record. <see cref="RecordBatchDecoder"/> wraps both into allocating
/// <see cref="DecodedRecord"/> lists for tests and non-hot callers.</para>
/// <para>Malformed input never throws: <see cref="MoveNext"/> returns false and <see cref="Error"/> (with
/// <see cref="ErrorMessage"/>) says why. <see cref="Dispose"/> returns the pooled array; do not copy a reader
/// that owns one.</para>
/// <code>
/// var reader = new RecordBatchReader(batch);
/// try { while (reader.MoveNext()) { var record = reader.Current; ... } if (reader.Error != RecordBatchError.None) ... }
/// finally { reader.Dispose(); }
/// </code>
/// </summary>
public ref struct RecordBatchReader
{
    /// <summary>Largest records section accepted after decompression.</summary>
    public const int DefaultMaxRecordsBytes = 64 * 1024 * 1024;

    private ReadOnlySpan<byte> _records;
    private byte[]? _rented;
    private int _read;

    public RecordBatchReader(ReadOnlySpan<byte> batch, int maxRecordsBytes = DefaultMaxRecordsBytes, bool verifyCrc = true)
    {
        Current = default;
        var error = verifyCrc ? RecordBatchHeader.TryValidate(batch, out var header) : ReadFramed(batch, out header);
        Header = header;
        if (error != RecordBatchError.None)
        {
            Fail(error, DescribeHeaderError(error, batch, header));
            return;
        }
        if (header.RecordCount < 0 || header.LastOffsetDelta < 0)
        {
            Fail(RecordBatchError.RecordCountMismatch, $"negative recordCount {header.RecordCount} or lastOffsetDelta {header.LastOffsetDelta}");
            return;
        }

        var payload = batch[RecordBatchHeader.Size..header.TotalSize];
        string? message = null;
        int length = 0;
        switch (header.Compression)
        {
            case CompressionType.None:
                _records = payload;
                return;
            case CompressionType.Gzip:
                error = GzipCodec.Decompress(payload, maxRecordsBytes, out _rented, out length, out message);
                break;
            case CompressionType.Snappy:
                error = SnappyCodec.Decompress(payload, maxRecordsBytes, out _rented, out length, out message);
                break;
            case CompressionType.Lz4:
                error = Lz4Codec.Decompress(payload, maxRecordsBytes, out _rented, out length, out message);
                break;
            case CompressionType.Zstd:
                error = ZstdCodec.Decompress(payload, maxRecordsBytes, out _rented, out length, out message);
                break;
            default:
                Fail(RecordBatchError.UnsupportedCompression, $"unknown compression codec {(int)header.Compression}");
                return;
        }
        if (error != RecordBatchError.None)
        {
            Fail(error, message);
            return;
        }
        _records = _rented.AsSpan(0, length);
    }

    public RecordBatchHeader Header { get; }
    public RecordBatchError Error { get; private set; }
    public string? ErrorMessage { get; private set; }
    public Record Current { get; private set; }
    /// <summary>Records yielded so far.</summary>
    public readonly int RecordsRead => _read;

    /// <summary>Advances to the next record; false at the end of the batch or on error (see <see cref="Error"/>).</summary>
    public bool MoveNext()
    {
        if (Error != RecordBatchError.None)
            return false;
        if (_read == Header.RecordCount)
        {
            if (_records.IsEmpty)
                return false;
            if (ParseRecord(_records, Header, out _, out _, out _) == RecordBatchError.None)
                Fail(RecordBatchError.RecordCountMismatch, $"more records present than recordCount {Header.RecordCount}");
            else
                Fail(RecordBatchError.InvalidRecord, $"{_records.Length} trailing bytes after the last record");
            return false;
        }
        if (_records.IsEmpty)
        {
            Fail(RecordBatchError.RecordCountMismatch, $"recordCount {Header.RecordCount} but only {_read} records present");
            return false;
        }
        var error = ParseRecord(_records, Header, out var record, out int consumed, out string? message);
        if (error != RecordBatchError.None)
        {
            Fail(error, $"record {_read}: {message}");
            return false;
        }
        _records = _records[consumed..];
        _read++;
        Current = record;
        return true;
    }

    public void Dispose()
    {
        var rented = _rented;
        _rented = null;
        _records = default;
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
    }

    private void Fail(RecordBatchError error, string? message)
    {
        Error = error;
        ErrorMessage = message ?? error.ToString();
    }

    private static RecordBatchError ReadFramed(ReadOnlySpan<byte> batch, out RecordBatchHeader header)
    {
        var error = RecordBatchHeader.TryRead(batch, out header);
        if (error == RecordBatchError.None && batch.Length < header.TotalSize)
            return RecordBatchError.Truncated;
        return error;
    }

    private static string DescribeHeaderError(RecordBatchError error, ReadOnlySpan<byte> batch, RecordBatchHeader header) => error switch
    {
        RecordBatchError.Truncated => $"batch incomplete: {batch.Length} bytes present" + (header.BatchLength > 0 ? $", {header.TotalSize} declared" : ""),
        RecordBatchError.UnsupportedMagic => $"magic {batch[RecordBatchHeader.MagicOffset]} is not 2",
        RecordBatchError.InvalidLength => "batchLength is smaller than the batch header",
        RecordBatchError.CrcMismatch => $"CRC-32C {header.Crc:x8} does not match the contents",
        RecordBatchError.RecordCountMismatch => $"negative recordCount {header.RecordCount} or lastOffsetDelta {header.LastOffsetDelta}",
        _ => error.ToString(),
    };

    /// <summary>Parses and fully checks one record (headers included) at the start of <paramref name="source"/>.</summary>
    private static RecordBatchError ParseRecord(ReadOnlySpan<byte> source, in RecordBatchHeader header, out Record record,
        out int consumed, out string? message)
    {
        record = default;
        consumed = 0;
        var error = Varint.ReadVarint(source, out int length, out int n);
        if (error != RecordBatchError.None)
            return Bad(error == RecordBatchError.Truncated ? RecordBatchError.InvalidRecord : error, "record length", out message);
        if (length < 0 || length > source.Length - n)
            return Bad(RecordBatchError.InvalidLength, $"record length {length} outside the records section", out message);
        consumed = n + length;
        var body = source.Slice(n, length);
        if (body.IsEmpty)
            return Bad(RecordBatchError.InvalidRecord, "empty record", out message);
        sbyte attributes = (sbyte)body[0];
        int pos = 1;

        if ((error = Varint.ReadVarlong(body[pos..], out long timestampDelta, out n)) != RecordBatchError.None)
            return Field(error, "timestampDelta", out message);
        pos += n;
        if ((error = Varint.ReadVarint(body[pos..], out int offsetDelta, out n)) != RecordBatchError.None)
            return Field(error, "offsetDelta", out message);
        pos += n;
        if (offsetDelta < 0 || offsetDelta > header.LastOffsetDelta)
            return Bad(RecordBatchError.RecordCountMismatch, $"offsetDelta {offsetDelta} outside 0..lastOffsetDelta {header.LastOffsetDelta}", out message);

        if ((error = ReadBytes(body, ref pos, "key", out var key, out bool keyNull, out message)) != RecordBatchError.None)
            return error;
        if ((error = ReadBytes(body, ref pos, "value", out var value, out bool valueNull, out message)) != RecordBatchError.None)
            return error;

        if ((error = Varint.ReadVarint(body[pos..], out int headerCount, out n)) != RecordBatchError.None)
            return Field(error, "header count", out message);
        pos += n;
        if (headerCount < 0)
            return Bad(RecordBatchError.InvalidLength, $"header count {headerCount}", out message);
        int headersStart = pos;
        for (int i = 0; i < headerCount; i++)
        {
            if ((error = Varint.ReadVarint(body[pos..], out int keyLength, out n)) != RecordBatchError.None)
                return Field(error, "header key length", out message);
            pos += n;
            if (keyLength < 0 || keyLength > body.Length - pos)
                return Bad(RecordBatchError.InvalidLength, $"header key length {keyLength}", out message);
            pos += keyLength;
            if ((error = ReadBytes(body, ref pos, "header value", out _, out _, out message)) != RecordBatchError.None)
                return error;
        }
        if (pos != body.Length)
            return Bad(RecordBatchError.InvalidRecord, $"{body.Length - pos} bytes left inside the record after its headers", out message);

        long timestamp = (header.Attributes & RecordBatchHeader.TimestampTypeFlag) != 0
            ? header.MaxTimestamp
            : header.BaseTimestamp + timestampDelta;
        record = new Record(attributes, timestampDelta, offsetDelta, header.BaseOffset + offsetDelta, timestamp,
            key, keyNull, value, valueNull, body[headersStart..pos], headerCount);
        message = null;
        return RecordBatchError.None;
    }

    /// <summary>Reads a varint length (-1 = null) and that many bytes.</summary>
    private static RecordBatchError ReadBytes(ReadOnlySpan<byte> body, scoped ref int pos, string what, out ReadOnlySpan<byte> bytes,
        out bool isNull, out string? message)
    {
        bytes = default;
        isNull = false;
        var error = Varint.ReadVarint(body[pos..], out int length, out int n);
        if (error != RecordBatchError.None)
            return Field(error, what + " length", out message);
        pos += n;
        if (length == -1)
        {
            isNull = true;
            message = null;
            return RecordBatchError.None;
        }
        if (length < 0 || length > body.Length - pos)
            return Bad(RecordBatchError.InvalidLength, $"{what} length {length}", out message);
        bytes = body.Slice(pos, length);
        pos += length;
        message = null;
        return RecordBatchError.None;
    }

    private static RecordBatchError Field(RecordBatchError error, string what, out string? message) =>
        error == RecordBatchError.VarintOverflow
            ? Bad(error, what + " varint longer than allowed", out message)
            : Bad(RecordBatchError.InvalidRecord, what + " runs past the end of the record", out message);

    private static RecordBatchError Bad(RecordBatchError error, string text, out string? message)
    {
        message = text;
        return error;
    }
}
