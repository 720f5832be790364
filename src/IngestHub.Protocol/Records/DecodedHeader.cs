namespace IngestHub.Protocol.Records;

/// <summary>A record header copied out of its batch.</summary>
public sealed record DecodedHeader(string Key, byte[]? Value);
