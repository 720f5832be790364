using System.Net;
using IngestHub.Broker.Security;

namespace IngestHub.Broker.Network;

/// <summary>What a handler may know about the connection a request came on: peer, listener, and who the client
/// is (its principal, once TLS client authentication or SASL has established it).</summary>
public sealed class ConnectionContext(long connectionId, IPEndPoint? remote, ListenerEndpoint? listener = null, ListenerEndpoint? advertised = null)
{
    public const string AnonymousPrincipal = "User:ANONYMOUS";

    public long ConnectionId { get; } = connectionId;
    public IPEndPoint? Remote { get; } = remote;
    /// <summary>Client host as Kafka reports it in DescribeGroups ("/127.0.0.1").</summary>
    public string ClientHost { get; } = "/" + (remote?.Address.ToString() ?? "unknown");
    /// <summary>The listener the connection was accepted on (null only in handler tests).</summary>
    public ListenerEndpoint? Listener { get; } = listener;
    /// <summary>The endpoint clients of this listener are told to use (Metadata, FindCoordinator).</summary>
    public ListenerEndpoint? Advertised { get; } = advertised;
    /// <summary>Kafka principal: "User:name" after SASL, "User:&lt;certificate subject&gt;" after TLS client
    /// authentication, "User:ANONYMOUS" otherwise.</summary>
    public string Principal { get; set; } = AnonymousPrincipal;
    /// <summary>True when the listener needs no SASL, or once SASL has succeeded.</summary>
    public bool Authenticated { get; set; } = listener is null || !listener.UsesSasl;
    /// <summary>The SASL exchange under way after a SaslHandshake.</summary>
    public SaslAuthenticator? Sasl { get; set; }
    /// <summary>Set by SaslHandshake v0: the next frames are bare SASL tokens, not Kafka requests.</summary>
    public bool SaslRawTokens { get; set; }
    /// <summary>Set when a response must be the last one (failed authentication).</summary>
    public bool CloseAfterResponse { get; set; }

    private int _throttleMs;
    private bool _throttleAfterResponse;

    /// <summary>A quota was exceeded: the connection reads no further request for <paramref name="throttleMs"/> ms.
    /// With <paramref name="afterResponse"/> (KIP-219 clients) the response goes out first and the channel is muted
    /// afterwards; otherwise the response itself is delayed, as brokers before Kafka 2.0 did.</summary>
    public void Throttle(int throttleMs, bool afterResponse)
    {
        if (throttleMs <= _throttleMs)
            return;
        _throttleMs = throttleMs;
        _throttleAfterResponse = afterResponse;
    }

    /// <summary>The throttle set while handling the last request (0 when none), cleared.</summary>
    public int TakeThrottle(out bool afterResponse)
    {
        int throttle = _throttleMs;
        afterResponse = _throttleAfterResponse;
        _throttleMs = 0;
        return throttle;
    }
}
