using System.Security.Cryptography;

namespace IngestHub.Protocol.Sasl;

/// <summary>
/// The SCRAM functions of RFC 5802 for one hash (SHA-256 or SHA-512, RFC 7677 and Kafka's SCRAM-SHA-512):
/// Hi (PBKDF2), HMAC, H and the derived client/server keys. Shared by the broker (verifier) and the client.
/// </summary>
public sealed class ScramAlgorithm
{
    public static readonly ScramAlgorithm Sha256 = new("SCRAM-SHA-256", HashAlgorithmName.SHA256, 32);
    public static readonly ScramAlgorithm Sha512 = new("SCRAM-SHA-512", HashAlgorithmName.SHA512, 64);

    /// <summary>Kafka's lowest accepted iteration count.</summary>
    public const int MinIterations = 4096;

    private ScramAlgorithm(string mechanism, HashAlgorithmName hash, int size)
    {
        Mechanism = mechanism;
        Hash = hash;
        HashSize = size;
    }

    /// <summary>The SASL mechanism name.</summary>
    public string Mechanism { get; }
    public HashAlgorithmName Hash { get; }
    public int HashSize { get; }

    public static ScramAlgorithm? FromMechanism(string? mechanism) => mechanism switch
    {
        "SCRAM-SHA-256" => Sha256,
        "SCRAM-SHA-512" => Sha512,
        _ => null,
    };

    /// <summary>Hi(password, salt, i): PBKDF2 with this hash, one hash-sized block.</summary>
    public byte[] SaltedPassword(string password, ReadOnlySpan<byte> salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(password), salt, iterations, Hash, HashSize);

    public byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        Hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);

    public byte[] H(ReadOnlySpan<byte> data) =>
        Hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data) : SHA512.HashData(data);

    public byte[] ClientKey(ReadOnlySpan<byte> saltedPassword) => Hmac(saltedPassword, "Client Key"u8);

    public byte[] ServerKey(ReadOnlySpan<byte> saltedPassword) => Hmac(saltedPassword, "Server Key"u8);

    public byte[] StoredKey(ReadOnlySpan<byte> saltedPassword) => H(ClientKey(saltedPassword));

    public static byte[] Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException("SCRAM XOR operands differ in length");
        var result = new byte[a.Length];
        for (int i = 0; i < a.Length; i++)
            result[i] = (byte)(a[i] ^ b[i]);
        return result;
    }

    /// <summary>A fresh nonce of 32 letters and digits (librdkafka mishandles '=' and other symbols in nonces).</summary>
    public static string NewNonce() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);

    /// <summary>saslname escaping of RFC 5802 (',' → "=2C", '=' → "=3D").</summary>
    public static string EscapeUsername(string name) => name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);

    /// <summary>Undoes <see cref="EscapeUsername"/>; null when the name holds a bare '=' (invalid).</summary>
    public static string? UnescapeUsername(string name)
    {
        var result = new System.Text.StringBuilder(name.Length);
        for (int i = 0; i < name.Length; i++)
        {
            if (name[i] != '=')
            {
                result.Append(name[i]);
                continue;
            }
            if (string.CompareOrdinal(name, i, "=2C", 0, 3) == 0)
                result.Append(',');
            else if (string.CompareOrdinal(name, i, "=3D", 0, 3) == 0)
                result.Append('=');
            else
                return null;
            i += 2;
        }
        return result.ToString();
    }

    /// <summary>Splits "k=v,k=v" SCRAM attributes; a later duplicate wins. Values may contain '='.</summary>
    public static Dictionary<char, string> ParseAttributes(string message)
    {
        var result = new Dictionary<char, string>();
        foreach (string part in message.Split(','))
        {
            if (part.Length >= 2 && part[1] == '=')
                result[part[0]] = part[2..];
        }
        return result;
    }
}
