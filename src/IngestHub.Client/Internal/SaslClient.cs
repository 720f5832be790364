using System.Security.Cryptography;
using System.Text;
using IngestHub.Protocol.Sasl;

namespace IngestHub.Client.Internal;

/// <summary>The client side of SASL PLAIN and SCRAM-SHA-256/512 (RFC 4616, RFC 5802): produces each token to send
/// and checks the server's final signature, so a broker that does not know the password is detected.</summary>
internal sealed class SaslClient
{
    private readonly string _user;
    private readonly string _password;
    private readonly ScramAlgorithm? _scram;
    private string _clientFirstBare = "";
    private string _clientNonce = "";
    private byte[] _serverSignature = [];
    private int _state;

    public SaslClient(string mechanism, string user, string password)
    {
        Mechanism = mechanism.Trim().ToUpperInvariant();
        _user = user;
        _password = password;
        _scram = ScramAlgorithm.FromMechanism(Mechanism);
        if (_scram is null && Mechanism != "PLAIN")
            throw new ArgumentException($"sasl.mechanism '{mechanism}' is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)");
    }

    public string Mechanism { get; }

    /// <summary>The first token.</summary>
    public byte[] Start()
    {
        _state = 1;
        if (_scram is null)
            return Encoding.UTF8.GetBytes("\0" + _user + "\0" + _password);
        _clientNonce = ScramAlgorithm.NewNonce();
        _clientFirstBare = $"n={ScramAlgorithm.EscapeUsername(_user)},r={_clientNonce}";
        return Encoding.UTF8.GetBytes("n,," + _clientFirstBare);
    }

    /// <summary>The next token for the server's challenge, or null when the exchange is complete.</summary>
    public byte[]? Next(ReadOnlySpan<byte> challenge)
    {
        if (_scram is null)
            return null; // PLAIN: one message
        string message = Encoding.UTF8.GetString(challenge);
        if (_state == 1)
        {
            _state = 2;
            var attributes = ScramAlgorithm.ParseAttributes(message);
            if (!attributes.TryGetValue('r', out string? nonce) || !nonce.StartsWith(_clientNonce, StringComparison.Ordinal)
                || !attributes.TryGetValue('s', out string? salt) || !attributes.TryGetValue('i', out string? iterationsText)
                || !int.TryParse(iterationsText, System.Globalization.CultureInfo.InvariantCulture, out int iterations) || iterations < 1)
                throw new KafkaException(Protocol.ErrorCode.SaslAuthenticationFailed, $"invalid SCRAM server-first message '{message}'");
            byte[] salted = _scram.SaltedPassword(_password, Convert.FromBase64String(salt), iterations);
            string withoutProof = $"c=biws,r={nonce}";
            byte[] authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + message + "," + withoutProof);
            byte[] clientKey = _scram.ClientKey(salted);
            byte[] clientSignature = _scram.Hmac(_scram.H(clientKey), authMessage);
            byte[] proof = ScramAlgorithm.Xor(clientKey, clientSignature);
            _serverSignature = _scram.Hmac(_scram.ServerKey(salted), authMessage);
            return Encoding.UTF8.GetBytes(withoutProof + ",p=" + Convert.ToBase64String(proof));
        }
        _state = 3;
        var final = ScramAlgorithm.ParseAttributes(message);
        if (final.TryGetValue('e', out string? error))
            throw new KafkaException(Protocol.ErrorCode.SaslAuthenticationFailed, $"SCRAM authentication failed: {error}");
        if (!final.TryGetValue('v', out string? verifier)
            || !CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(verifier), _serverSignature))
            throw new KafkaException(Protocol.ErrorCode.SaslAuthenticationFailed, "the broker's SCRAM signature is wrong: it does not hold this user's credentials");
        return null;
    }

    public bool IsComplete => _scram is null ? _state >= 1 : _state >= 3;
}
