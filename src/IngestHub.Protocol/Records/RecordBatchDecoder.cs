using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Records;

/// <summary>Allocating convenience over <see cref="RecordBatchEnumerator"/> and <see cref="RecordBatchReader"/>.</summary>
public static class RecordBatchDecoder
{
    /// <summary>Appends the records of every whole batch in <paramref name="chunk"/> to <paramref name="records"/>.
    /// Stops at the first bad batch; <see cref="RecordBatchError.Truncated"/> means the chunk ends inside a batch
    /// (records of the batches before it were added).</summary>
    public static RecordBatchError TryDecodeAll(ReadOnlySpan<byte> chunk, List<DecodedRecord> records, out string? message,
        int maxRecordsBytes = RecordBatchReader.DefaultMaxRecordsBytes)
    {
        var batches = new RecordBatchEnumerator(chunk);
        while (batches.MoveNext())
        {
            var error = TryDecodeBatch(batches.Current, records, out message, maxRecordsBytes);
            if (error != RecordBatchError.None)
                return error;
        }
        message = batches.Error == RecordBatchError.None ? null : $"at byte {batches.Consumed}: {batches.Error}";
        return batches.Error;
    }

    /// <summary>Appends the records of the batch at the start of <paramref name="batch"/>; on error, the records
    /// of that batch read before the fault are removed again.</summary>
    public static RecordBatchError TryDecodeBatch(ReadOnlySpan<byte> batch, List<DecodedRecord> records, out string? message,
        int maxRecordsBytes = RecordBatchReader.DefaultMaxRecordsBytes)
    {
        int before = records.Count;
        var reader = new RecordBatchReader(batch, maxRecordsBytes);
        try
        {
            while (reader.MoveNext())
                records.Add(DecodedRecord.From(reader.Current));
            if (reader.Error != RecordBatchError.None)
            {
                records.RemoveRange(before, records.Count - before);
                message = reader.ErrorMessage;
                return reader.Error;
            }
            message = null;
            return RecordBatchError.None;
        }
        finally
        {
            reader.Dispose();
        }
    }

    /// <summary>Decodes all batches of <paramref name="chunk"/>; throws <see cref="MalformedMessageException"/>
    /// on any error, including a partial last batch.</summary>
    public static List<DecodedRecord> DecodeAll(ReadOnlySpan<byte> chunk)
    {
        var records = new List<DecodedRecord>();
        var error = TryDecodeAll(chunk, records, out string? message);
        if (error != RecordBatchError.None)
            throw new MalformedMessageException($"record batch {error}: {message}");
        return records;
    }
}
