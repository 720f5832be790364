using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace IngestHub.Autoscaler.Tests;

/// <summary>
/// What reached Redis: the sink pushes each event to the list <c>seq:&lt;key&gt;</c> in delivery order. Counts
/// distinct ids and checks per-key order under at-least-once delivery: reading a key's list in order, each record
/// is either the next sequence number (first delivery) or one already seen (a redelivery after a crash); a
/// sequence number ahead of the next one means a record of that key was delivered before an older one.
/// </summary>
public sealed class RedisLedger(string endpoint)
{
    public async Task<long> CountAsync(int keys)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var db = redis.GetDatabase();
        var lengths = new Task<long>[keys];
        for (int k = 0; k < keys; k++)
            lengths[k] = db.ListLengthAsync("seq:k" + k);
        return (await Task.WhenAll(lengths)).Sum();
    }

    public async Task<Verdict> CheckAsync(IReadOnlyList<int> producedPerKey)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var db = redis.GetDatabase();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        long entries = 0;
        var problems = new List<string>();
        for (int k = 0; k < producedPerKey.Count; k++)
        {
            var items = await db.ListRangeAsync("seq:k" + k);
            entries += items.Length;
            int next = 0;
            foreach (var item in items)
            {
                var json = JsonNode.Parse((string)item!)!;
                ids.Add(json["id"]!.GetValue<string>());
                int seq = json["seq"]!.GetValue<int>();
                if (seq == next)
                    next++;
                else if (seq > next && problems.Count < 10)
                    problems.Add($"k{k}: seq {seq} delivered before seq {next}");
            }
            if (next != producedPerKey[k] && problems.Count < 10)
                problems.Add($"k{k}: {next} of {producedPerKey[k]} delivered in order");
        }
        return new Verdict(ids.Count, entries, problems);
    }

    public sealed record Verdict(int DistinctIds, long Entries, IReadOnlyList<string> Problems)
    {
        public override string ToString() => $"{DistinctIds} distinct ids in {Entries} entries; {(Problems.Count == 0 ? "per-key order holds" : string.Join("; ", Problems))}";
    }
}
