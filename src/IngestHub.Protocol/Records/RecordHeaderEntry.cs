namespace IngestHub.Protocol.Records;

/// <summary>A header to write: UTF-8 key, nullable value.</summary>
public readonly record struct RecordHeaderEntry(string Key, ReadOnlyMemory<byte>? Value);
