namespace IngestHub.Pipelines.Codecs;

/// <summary>A record header; <see cref="Value"/> is null for a null header value.</summary>
public readonly record struct KafkaHeader(string Key, ReadOnlyMemory<byte>? Value);
