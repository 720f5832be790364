using System.Security.Cryptography;
using System.Text;
using IngestHub.Protocol.Sasl;

namespace IngestHub.Broker.Security;

/// <summary>
/// SCRAM-SHA-256/512 server (RFC 5802): client-first (gs2 header, n=user, r=nonce) → server-first (nonce, salt,
/// iterations) → client-final (channel binding, nonce, proof) → server-final (verifier). Channel binding is not
/// offered, so only the "n" gs2 flag is accepted; Kafka's extensions in client-first are ignored.
/// </summary>
public sealed class ScramSaslAuthenticator(ScramAlgorithm algorithm, CredentialStore store) : SaslAuthenticator
{
    private int _state;
    private string _clientFirstBare = "";
    private string _serverFirst = "";
    private string _nonce = "";
    private string _clientNonce = "";
    private string _user = "";
    private ScramCredential? _credential;

    public override string Mechanism => algorithm.Mechanism;

    public override SaslStep Evaluate(ReadOnlySpan<byte> token)
    {
        string message;
        try
        {
            message = new UTF8Encoding(false, true).GetString(token);
        }
        catch (DecoderFallbackException)
        {
            return SaslStep.Fail("Invalid SCRAM message: not UTF-8");
        }
        return _state++ switch
        {
            0 => ClientFirst(message),
            1 => ClientFinal(message),
            _ => SaslStep.Fail("Invalid SCRAM exchange: already complete"),
        };
    }

    private SaslStep ClientFirst(string message)
    {
        // gs2-header: "n," or "y," then an optional "a=authzid", then ",".
        if (message.Length < 3 || (message[0] != 'n' && message[0] != 'y') || message[1] != ',')
            return SaslStep.Fail("Invalid SCRAM client-first message: channel binding is not supported");
        int headerEnd = message.IndexOf(',', 2);
        if (headerEnd < 0)
            return SaslStep.Fail("Invalid SCRAM client-first message");
        string authzid = message[2..headerEnd];
        _clientFirstBare = message[(headerEnd + 1)..];
        var attributes = ScramAlgorithm.ParseAttributes(_clientFirstBare);
        if (!attributes.TryGetValue('n', out string? name) || !attributes.TryGetValue('r', out string? clientNonce) || clientNonce.Length == 0)
            return SaslStep.Fail("Invalid SCRAM client-first message: missing user or nonce");
        string? user = ScramAlgorithm.UnescapeUsername(name);
        if (string.IsNullOrEmpty(user))
            return SaslStep.Fail("Invalid SCRAM client-first message: invalid user name");
        if (authzid.Length > 0 && authzid != "a=" + name)
            return SaslStep.Fail("Authentication failed: authorization id differs from the user name");
        _credential = store.Find(user, algorithm.Mechanism);
        if (_credential is null)
            return SaslStep.Fail(InvalidCredentials);
        _user = user;
        _clientNonce = clientNonce;
        _nonce = clientNonce + ScramAlgorithm.NewNonce();
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_credential.Salt)},i={_credential.Iterations}";
        return SaslStep.Challenge(Encoding.UTF8.GetBytes(_serverFirst));
    }

    private SaslStep ClientFinal(string message)
    {
        int proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0 || _credential is null)
            return SaslStep.Fail("Invalid SCRAM client-final message: no proof");
        string withoutProof = message[..proofAt];
        var attributes = ScramAlgorithm.ParseAttributes(withoutProof);
        // librdkafka echoes its own nonce in front of the combined one; Kafka accepts that (it checks the suffix), so
        // this does too. The proof covers the message exactly as sent either way.
        if (!attributes.TryGetValue('r', out string? nonce) || !(nonce == _nonce || nonce == _clientNonce + _nonce))
            return SaslStep.Fail("Invalid SCRAM client-final message: nonce mismatch");
        if (!attributes.TryGetValue('c', out string? binding) || (binding != "biws" && binding != "eSws"))
            return SaslStep.Fail("Invalid SCRAM client-final message: unsupported channel binding");
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(message[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return SaslStep.Fail("Invalid SCRAM client-final message: proof is not base64");
        }
        if (proof.Length != algorithm.HashSize)
            return SaslStep.Fail(InvalidCredentials);
        byte[] authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + _serverFirst + "," + withoutProof);
        byte[] clientSignature = algorithm.Hmac(_credential.StoredKey, authMessage);
        byte[] clientKey = ScramAlgorithm.Xor(proof, clientSignature);
        if (!CryptographicOperations.FixedTimeEquals(algorithm.H(clientKey), _credential.StoredKey))
            return SaslStep.Fail(InvalidCredentials);
        byte[] serverSignature = algorithm.Hmac(_credential.ServerKey, authMessage);
        return SaslStep.Success(_user, Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(serverSignature)));
    }
}
