namespace IngestHub.Broker.Security;

/// <summary>The result of one SASL exchange step: a challenge to send and wait on, success with the
/// authenticated user (and a last message), or failure with the reason given to the client.</summary>
public sealed record SaslStep(byte[] Response, bool Complete, string? User, string? Failure)
{
    public static SaslStep Challenge(byte[] response) => new(response, false, null, null);
    public static SaslStep Success(string user, byte[] response) => new(response, true, user, null);
    public static SaslStep Fail(string reason) => new([], false, null, reason);
    public bool Failed => Failure is not null;
}
