using IngestHub.Protocol.Messages;

namespace IngestHub.Broker.Network;

/// <summary>One request as a handler sees it: its header, its undecoded body and the connection it came on.</summary>
public sealed class RequestContext(ConnectionContext connection, RequestHeader header, ReadOnlyMemory<byte> body, bool versionSupported)
{
    public ConnectionContext Connection { get; } = connection;
    public RequestHeader Header { get; } = header;
    public short ApiVersion => Header.ApiVersion;
    public string? ClientId => Header.ClientId;
    public ReadOnlyMemory<byte> Body { get; } = body;
    /// <summary>False only for an ApiVersions request whose version the broker does not speak.</summary>
    public bool VersionSupported { get; } = versionSupported;
}
