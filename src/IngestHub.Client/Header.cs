namespace IngestHub.Client;

/// <summary>A record header: UTF-8 key and a value that may be null.</summary>
public sealed record Header(string Key, byte[]? Value);
