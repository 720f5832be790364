namespace IngestHub.Inputs;

/// <summary>One record an input produces: optional key and the value bytes.</summary>
public readonly record struct IngestRecord(byte[]? Key, byte[] Value);
