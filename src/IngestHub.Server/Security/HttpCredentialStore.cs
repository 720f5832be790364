using System.Security.Cryptography;
using System.Text;
using IngestHub.Pipelines.Configuration;
using IngestHub.Protocol.Sasl;

namespace IngestHub.Server.Security;

/// <summary>
/// The HTTP principals, built once from <see cref="HttpAuthOptions"/> with <c>${VAR}</c> references resolved:
/// passwords are kept only as salted PBKDF2 hashes (the SCRAM-SHA-256 salted password, random salt per user),
/// tokens only as SHA-256 digests; comparisons are constant-time.
/// </summary>
public sealed class HttpCredentialStore
{
    private const int Iterations = ScramAlgorithm.MinIterations;
    private readonly Dictionary<string, (byte[] Salt, byte[] Hash, string Role)> _users = new(StringComparer.Ordinal);
    private readonly List<(byte[] Digest, string Name, string Role)> _tokens = [];

    public HttpCredentialStore(HttpAuthOptions options, Func<string, string?>? lookup = null)
    {
        try
        {
            Load(options, lookup);
        }
        catch (ConfigException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    private void Load(HttpAuthOptions options, Func<string, string?>? lookup)
    {
        for (int i = 0; i < options.Users.Count; i++)
        {
            var user = options.Users[i];
            string where = $"http:Auth:Users:{i}";
            if (string.IsNullOrWhiteSpace(user.Name))
                throw new InvalidOperationException($"{where}:Name is missing");
            string password = ConfigVariables.ExpandString(user.Password ?? "", where + ":Password", lookup);
            if (password.Length == 0)
                throw new InvalidOperationException($"{where}:Password is missing or empty (user {user.Name})");
            string role = HttpRoles.Parse(user.Role) ?? throw new InvalidOperationException($"{where}:Role must be viewer or admin, not '{user.Role}'");
            byte[] salt = RandomNumberGenerator.GetBytes(16);
            if (!_users.TryAdd(user.Name, (salt, Hash(password, salt), role)))
                throw new InvalidOperationException($"{where}: user {user.Name} is listed twice");
        }
        for (int i = 0; i < options.Tokens.Count; i++)
        {
            var token = options.Tokens[i];
            string where = $"http:Auth:Tokens:{i}";
            string value = ConfigVariables.ExpandString(token.Token ?? "", where + ":Token", lookup);
            if (value.Length < 16)
                throw new InvalidOperationException($"{where}:Token must be at least 16 characters");
            string role = HttpRoles.Parse(token.Role) ?? throw new InvalidOperationException($"{where}:Role must be viewer or admin, not '{token.Role}'");
            _tokens.Add((SHA256.HashData(Encoding.UTF8.GetBytes(value)), string.IsNullOrWhiteSpace(token.Name) ? $"token-{i}" : token.Name, role));
        }
    }

    public bool IsEmpty => _users.Count == 0 && _tokens.Count == 0;

    /// <summary>The role of a user whose password matches, or null.</summary>
    public string? CheckPassword(string user, string password)
    {
        if (!_users.TryGetValue(user, out var entry))
        {
            // Same work for an unknown user, so timing does not tell which names exist.
            _ = Hash(password, new byte[16]);
            return null;
        }
        return CryptographicOperations.FixedTimeEquals(Hash(password, entry.Salt), entry.Hash) ? entry.Role : null;
    }

    /// <summary>The name and role a token authenticates as, or null.</summary>
    public (string Name, string Role)? CheckToken(string token)
    {
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        (string, string)? found = null;
        foreach (var entry in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, entry.Digest))
                found = (entry.Name, entry.Role);
        }
        return found;
    }

    private static byte[] Hash(string password, byte[] salt) => ScramAlgorithm.Sha256.SaltedPassword(password, salt, Iterations);
}
