using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Protocol.Sasl;
using IngestHub.Storage;

namespace IngestHub.Broker.Security;

/// <summary>
/// SASL users in <c>&lt;data&gt;/users.json</c> (owner-only permissions, written with <see cref="AtomicFile"/>):
/// per user and SCRAM mechanism the salted, iterated credential, never the password. PLAIN is verified against the
/// same credentials. The broker re-reads the file when it changes, so <c>ingesthub users</c> takes effect on
/// the next login without a restart.
/// </summary>
public sealed class CredentialStore
{
    public const string FileName = "users.json";
    private static readonly ScramAlgorithm[] s_algorithms = [ScramAlgorithm.Sha256, ScramAlgorithm.Sha512];

    private readonly string _path;
    private readonly Lock _gate = new();
    private Dictionary<string, Dictionary<string, ScramCredential>> _users = new(StringComparer.Ordinal);
    private string _stamp = "";

    public CredentialStore(string dataDir)
    {
        _path = System.IO.Path.Combine(dataDir, FileName);
        Reload();
    }

    public string FilePath => _path;

    /// <summary>User names with the mechanisms each has credentials for.</summary>
    public IReadOnlyList<(string User, IReadOnlyList<string> Mechanisms)> List()
    {
        lock (_gate)
        {
            ReloadIfChanged();
            return [.. _users.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => (u.Key, (IReadOnlyList<string>)[.. u.Value.Keys.Order(StringComparer.Ordinal)]))];
        }
    }

    public ScramCredential? Find(string user, string mechanism)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            return _users.TryGetValue(user, out var credentials) && credentials.TryGetValue(mechanism, out var credential) ? credential : null;
        }
    }

    /// <summary>Whether <paramref name="password"/> is the user's (checked against any SCRAM credential; for PLAIN).</summary>
    public bool VerifyPassword(string user, string password)
    {
        Dictionary<string, ScramCredential>? credentials;
        lock (_gate)
        {
            ReloadIfChanged();
            _users.TryGetValue(user, out credentials);
        }
        if (credentials is null)
            return false;
        foreach (var algorithm in s_algorithms)
        {
            if (credentials.TryGetValue(algorithm.Mechanism, out var credential))
            {
                byte[] salted = algorithm.SaltedPassword(password, credential.Salt, credential.Iterations);
                return CryptographicOperations.FixedTimeEquals(algorithm.StoredKey(salted), credential.StoredKey);
            }
        }
        return false;
    }

    /// <summary>Adds the user or replaces its password, for the given SCRAM mechanisms (both when null).</summary>
    public void Upsert(string user, string password, IReadOnlyList<string>? mechanisms = null, int iterations = ScramAlgorithm.MinIterations)
    {
        if (string.IsNullOrEmpty(user))
            throw new ArgumentException("user name is empty");
        if (string.IsNullOrEmpty(password))
            throw new ArgumentException("password is empty");
        if (iterations < ScramAlgorithm.MinIterations)
            throw new ArgumentException($"iterations must be at least {ScramAlgorithm.MinIterations}");
        var algorithms = new List<ScramAlgorithm>();
        foreach (string name in mechanisms ?? [.. s_algorithms.Select(a => a.Mechanism)])
            algorithms.Add(ScramAlgorithm.FromMechanism(name.Trim().ToUpperInvariant()) ?? throw new ArgumentException($"unknown SCRAM mechanism '{name}' (SCRAM-SHA-256 or SCRAM-SHA-512)"));
        lock (_gate)
        {
            ReloadIfChanged();
            var credentials = new Dictionary<string, ScramCredential>(StringComparer.Ordinal);
            foreach (var algorithm in algorithms)
            {
                byte[] salt = RandomNumberGenerator.GetBytes(32);
                byte[] salted = algorithm.SaltedPassword(password, salt, iterations);
                credentials[algorithm.Mechanism] = new ScramCredential(salt, iterations, algorithm.StoredKey(salted), algorithm.ServerKey(salted));
            }
            _users[user] = credentials;
            Save();
        }
    }

    /// <summary>Every user with, per SCRAM mechanism, the iteration count of its credential (never salts or keys).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(string Mechanism, int Iterations)>> DescribeAll()
    {
        lock (_gate)
        {
            ReloadIfChanged();
            var result = new SortedDictionary<string, IReadOnlyList<(string, int)>>(StringComparer.Ordinal);
            foreach (var (user, credentials) in _users)
            {
                if (credentials.Count > 0)
                    result[user] = [.. credentials.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value.Iterations))];
            }
            return result;
        }
    }

    /// <summary>
    /// Applies credential changes computed elsewhere (AlterUserScramCredentials: the client salts and iterates the
    /// password): each deletion removes one mechanism of a user, each upsertion stores the credential derived from
    /// the salted password. All changes are written at once; a user left without credentials is removed.
    /// </summary>
    public void Apply(IEnumerable<(string User, string Mechanism)> deletions,
        IEnumerable<(string User, ScramAlgorithm Algorithm, byte[] Salt, int Iterations, byte[] SaltedPassword)> upsertions)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            var users = _users.ToDictionary(u => u.Key, u => new Dictionary<string, ScramCredential>(u.Value, StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var (user, mechanism) in deletions)
            {
                if (users.TryGetValue(user, out var credentials))
                {
                    credentials.Remove(mechanism);
                    if (credentials.Count == 0)
                        users.Remove(user);
                }
            }
            foreach (var (user, algorithm, salt, iterations, salted) in upsertions)
            {
                if (!users.TryGetValue(user, out var credentials))
                    users[user] = credentials = new Dictionary<string, ScramCredential>(StringComparer.Ordinal);
                credentials[algorithm.Mechanism] = new ScramCredential([.. salt], iterations, algorithm.StoredKey(salted), algorithm.ServerKey(salted));
            }
            var previous = _users;
            _users = users;
            try
            {
                Save();
            }
            catch
            {
                _users = previous;
                throw;
            }
        }
    }

    /// <summary>Removes the user; false when there was none.</summary>
    public bool Delete(string user)
    {
        lock (_gate)
        {
            ReloadIfChanged();
            if (!_users.Remove(user))
                return false;
            Save();
            return true;
        }
    }

    private void Save()
    {
        var users = new JsonObject();
        foreach (var (user, credentials) in _users.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            var entry = new JsonObject();
            foreach (var (mechanism, c) in credentials)
            {
                entry[mechanism] = new JsonObject
                {
                    ["salt"] = Convert.ToBase64String(c.Salt),
                    ["iterations"] = c.Iterations,
                    ["storedKey"] = Convert.ToBase64String(c.StoredKey),
                    ["serverKey"] = Convert.ToBase64String(c.ServerKey),
                };
            }
            users[user] = entry;
        }
        var root = new JsonObject { ["users"] = users };
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        AtomicFile.WriteAllText(_path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _stamp = Stamp();
    }

    private void Reload()
    {
        lock (_gate)
        {
            _stamp = Stamp();
            _users = Read(_path);
        }
    }

    private void ReloadIfChanged()
    {
        if (Stamp() != _stamp)
        {
            _stamp = Stamp();
            _users = Read(_path);
        }
    }

    private string Stamp()
    {
        var info = new FileInfo(_path);
        return info.Exists ? $"{info.LastWriteTimeUtc.Ticks}:{info.Length}" : "";
    }

    private static Dictionary<string, Dictionary<string, ScramCredential>> Read(string path)
    {
        var users = new Dictionary<string, Dictionary<string, ScramCredential>>(StringComparer.Ordinal);
        if (!File.Exists(path))
            return users;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {ex.Message}", ex);
        }
        if (root?["users"] is not JsonObject entries)
            return users;
        foreach (var (user, node) in entries)
        {
            var credentials = new Dictionary<string, ScramCredential>(StringComparer.Ordinal);
            if (node is JsonObject mechanisms)
            {
                foreach (var (mechanism, value) in mechanisms)
                {
                    if (value is null || ScramAlgorithm.FromMechanism(mechanism) is null)
                        continue;
                    credentials[mechanism] = new ScramCredential(
                        Convert.FromBase64String((string)value["salt"]!),
                        (int)value["iterations"]!,
                        Convert.FromBase64String((string)value["storedKey"]!),
                        Convert.FromBase64String((string)value["serverKey"]!));
                }
            }
            users[user] = credentials;
        }
        return users;
    }
}
