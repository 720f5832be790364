namespace IngestHub.Protocol.Records;

/// <summary>Why a byte range is not a valid record batch. Every decoding failure maps to one of these.</summary>
public enum RecordBatchError
{
    None = 0,
    /// <summary>Fewer bytes than the header or the declared batch length.</summary>
    Truncated,
    /// <summary>batchLength smaller than the fixed header, or a negative length inside a record.</summary>
    InvalidLength,
    /// <summary>magic byte is not 2.</summary>
    UnsupportedMagic,
    /// <summary>CRC-32C over attributes..end does not match.</summary>
    CrcMismatch,
    /// <summary>A varint runs past 5 (varint) or 10 (varlong) bytes.</summary>
    VarintOverflow,
    /// <summary>recordCount disagrees with the records actually present, or offset deltas are inconsistent.</summary>
    RecordCountMismatch,
    /// <summary>The attributes name a codec that does not exist (5–7).</summary>
    UnsupportedCompression,
    /// <summary>Compressed payload could not be decompressed.</summary>
    CorruptCompressedData,
    /// <summary>Record or batch fields are inconsistent (e.g. trailing bytes after the last record).</summary>
    InvalidRecord,
}
