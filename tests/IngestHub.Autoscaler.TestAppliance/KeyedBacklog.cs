using System.Text;
using IngestHub.Client;

namespace IngestHub.Autoscaler.TestAppliance;

/// <summary>
/// Produces keyed JSON records <c>{"id": "k7-12", "key": "k7", "seq": 12}</c> round-robin over a fixed set of keys,
/// each key's sequence numbers counting up from 0 across calls, so the order of a key's records is known.
/// </summary>
public sealed class KeyedBacklog(string topic, int keys)
{
    private readonly int[] _next = new int[keys];

    public string Topic { get; } = topic;
    public int Keys { get; } = keys;
    public long Produced { get; private set; }

    public async Task ProduceAsync(string bootstrap, int count)
    {
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = bootstrap, LingerMs = 5, BatchSize = 256 * 1024, ClientId = "backlog" });
        var pending = new List<Task<DeliveryResult>>(count);
        for (int i = 0; i < count; i++)
        {
            int key = (int)(Produced % Keys);
            int seq = _next[key]++;
            string k = "k" + key;
            pending.Add(producer.ProduceAsync(Topic, Encoding.UTF8.GetBytes(k), Encoding.UTF8.GetBytes($"{{\"id\":\"{k}-{seq}\",\"key\":\"{k}\",\"seq\":{seq}}}")));
            Produced++;
        }
        await Task.WhenAll(pending);
    }

    /// <summary>How many records of each key were produced.</summary>
    public IReadOnlyList<int> PerKey => _next;
}
