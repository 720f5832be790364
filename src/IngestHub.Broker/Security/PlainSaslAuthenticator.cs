using System.Text;

namespace IngestHub.Broker.Security;

/// <summary>SASL PLAIN (RFC 4616): one message <c>[authzid] NUL authcid NUL passwd</c>, checked against the stored
/// SCRAM credential of the user. An authorization id other than the user itself is refused, as in Kafka.</summary>
public sealed class PlainSaslAuthenticator(CredentialStore store) : SaslAuthenticator
{
    private bool _done;

    public override string Mechanism => "PLAIN";

    public override SaslStep Evaluate(ReadOnlySpan<byte> token)
    {
        if (_done)
            return SaslStep.Fail("PLAIN takes one message");
        _done = true;
        int first = token.IndexOf((byte)0);
        int second = first < 0 ? -1 : token[(first + 1)..].IndexOf((byte)0);
        if (first < 0 || second < 0)
            return SaslStep.Fail("Invalid SASL/PLAIN message: expected [authzid] NUL authcid NUL passwd");
        second += first + 1;
        string authzid = Encoding.UTF8.GetString(token[..first]);
        string user = Encoding.UTF8.GetString(token[(first + 1)..second]);
        string password = Encoding.UTF8.GetString(token[(second + 1)..]);
        if (user.Length == 0 || password.Length == 0)
            return SaslStep.Fail("Invalid SASL/PLAIN message: empty username or password");
        if (authzid.Length > 0 && authzid != user)
            return SaslStep.Fail("Authentication failed: Client requested an authorization id that is different from username");
        return store.VerifyPassword(user, password) ? SaslStep.Success(user, []) : SaslStep.Fail(InvalidCredentials);
    }
}
