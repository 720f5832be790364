using StackExchange.Redis;

namespace IngestHub.Streams.Tests;

/// <summary>Reads the count hashes a topology wrote (StackExchange.Redis against the real redis-server).</summary>
public sealed class RedisHashes : IDisposable
{
    private readonly ConnectionMultiplexer _redis;

    public RedisHashes(string endpoint) => _redis = ConnectionMultiplexer.Connect($"{endpoint},abortConnect=false");

    /// <summary>"service:minute" → level → count, for every key under <paramref name="prefix"/>.</summary>
    public Dictionary<string, Dictionary<string, long>> Read(string prefix)
    {
        var server = _redis.GetServers()[0];
        var db = _redis.GetDatabase();
        var result = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var key in server.Keys(pattern: prefix + ":*", pageSize: 1000))
        {
            var fields = db.HashGetAll(key);
            result[key.ToString()[(prefix.Length + 1)..]] = fields.ToDictionary(f => f.Name.ToString(), f => (long)f.Value, StringComparer.Ordinal);
        }
        return result;
    }

    /// <summary>Human-readable differences between expected and actual counts (empty when equal).</summary>
    public static List<string> Differences(Dictionary<string, Dictionary<string, long>> expected, Dictionary<string, Dictionary<string, long>> actual)
    {
        var diffs = new List<string>();
        foreach (var (key, levels) in expected)
        {
            if (!actual.TryGetValue(key, out var got))
            {
                diffs.Add($"{key}: missing");
                continue;
            }
            foreach (var (level, n) in levels)
            {
                if (got.GetValueOrDefault(level) != n)
                    diffs.Add($"{key} {level}: expected {n}, got {got.GetValueOrDefault(level)}");
            }
            foreach (var level in got.Keys.Except(levels.Keys))
                diffs.Add($"{key} {level}: unexpected {got[level]}");
        }
        foreach (var key in actual.Keys.Except(expected.Keys))
            diffs.Add($"{key}: unexpected key");
        return diffs;
    }

    public void Dispose() => _redis.Dispose();
}
