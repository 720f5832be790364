using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using IngestHub.Protocol;

namespace IngestHub.Broker;

/// <summary>
/// The broker's instruments, named per the OpenTelemetry messaging conventions (meter <c>IngestHub.Broker</c>),
/// plus running totals the Prometheus endpoint reads directly: requests, errors and a latency histogram per API
/// key, and records/bytes produced and fetched per topic. Recording is a few interlocked adds.
/// </summary>
public sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "IngestHub.Broker";

    /// <summary>Upper bounds (seconds) of the request latency buckets; the last bucket is +Inf.</summary>
    public static readonly double[] DurationBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly BrokerApiStats?[] _apis = new BrokerApiStats?[64];
    private readonly ConcurrentDictionary<string, BrokerTopicTraffic> _topics = new(StringComparer.Ordinal);
    private readonly Counter<long> _sent;
    private readonly Counter<long> _consumed;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _closed;
    private readonly Counter<double> _throttle;
    private readonly ConcurrentDictionary<(string Listener, string Reason), long> _refusedTotals = new();
    private readonly ConcurrentDictionary<string, long> _closedTotals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ThrottleTotals> _throttled = new(StringComparer.Ordinal);

    public BrokerMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _sent = Meter.CreateCounter<long>("messaging.client.sent.messages", "{message}", "Records appended by Produce requests");
        _consumed = Meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}", "Records returned by Fetch requests");
        _duration = Meter.CreateHistogram<double>("messaging.client.operation.duration", "s", "Time to handle one Kafka request, by API",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _refused = Meter.CreateCounter<long>("ingesthub.broker.connections.refused", "{connection}", "Connections closed right after accept by a connection limit");
        _closed = Meter.CreateCounter<long>("ingesthub.broker.connections.closed", "{connection}", "Connections the broker closed: idle, request too slow to arrive, request too large");
        _throttle = Meter.CreateCounter<double>("ingesthub.broker.quota.throttle.time", "s", "Throttle time reported to clients over their byte-rate quota");
    }

    /// <summary>A connection closed right after accept because <paramref name="reason"/> (a limit's Kafka name) was reached.</summary>
    public void RecordRefused(string listener, string reason)
    {
        _refusedTotals.AddOrUpdate((listener, reason), 1, (_, n) => n + 1);
        _refused.Add(1, new KeyValuePair<string, object?>("listener", listener), new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>A connection the broker closed: <c>idle</c>, <c>request_timeout</c> or <c>request_too_large</c>.</summary>
    public void RecordClosed(string reason)
    {
        _closedTotals.AddOrUpdate(reason, 1, (_, n) => n + 1);
        _closed.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>A response reporting <paramref name="throttleMs"/> because the client is over its <paramref name="quota"/>
    /// (<c>produce</c> or <c>fetch</c>).</summary>
    public void RecordThrottled(string quota, int throttleMs)
    {
        var totals = _throttled.GetOrAdd(quota, _ => new ThrottleTotals());
        Interlocked.Increment(ref totals.Responses);
        Interlocked.Add(ref totals.Milliseconds, throttleMs);
        _throttle.Add(throttleMs / 1000.0, new KeyValuePair<string, object?>("quota", quota));
    }

    /// <summary>Refused connections by listener and limit.</summary>
    public IReadOnlyList<(string Listener, string Reason, long Count)> Refused =>
        [.. _refusedTotals.Select(e => (e.Key.Listener, e.Key.Reason, e.Value)).OrderBy(e => e.Listener, StringComparer.Ordinal).ThenBy(e => e.Reason, StringComparer.Ordinal)];

    /// <summary>Connections the broker closed, by reason.</summary>
    public IReadOnlyList<(string Reason, long Count)> Closed =>
        [.. _closedTotals.Select(e => (e.Key, e.Value)).OrderBy(e => e.Key, StringComparer.Ordinal)];

    /// <summary>Throttled responses and summed throttle time, by quota type.</summary>
    public IReadOnlyList<(string Quota, long Responses, long Milliseconds)> Throttled =>
        [.. _throttled.Select(e => (e.Key, Interlocked.Read(ref e.Value.Responses), Interlocked.Read(ref e.Value.Milliseconds))).OrderBy(e => e.Key, StringComparer.Ordinal)];

    private sealed class ThrottleTotals
    {
        public long Responses;
        public long Milliseconds;
    }

    public Meter Meter { get; }

    /// <summary>One handled request: its API key, how long it took and whether it failed (malformed or handler fault).</summary>
    public void RecordRequest(ApiKey api, double seconds, bool error)
    {
        int key = (int)api;
        if ((uint)key >= (uint)_apis.Length)
            return;
        var stats = Volatile.Read(ref _apis[key]) ?? InitApi(key, api);
        stats.Record(seconds, error);
        var tags = new TagList { { "messaging.system", "kafka" }, { "messaging.operation.name", stats.Name } };
        if (error)
            tags.Add("error.type", "request_failed");
        _duration.Record(seconds, tags);
    }

    /// <summary>A record batch appended to <paramref name="topic"/> (count read from the batch header).</summary>
    public void RecordProduced(string topic, ReadOnlySpan<byte> batch)
    {
        int records = batch.Length >= 61 ? BinaryPrimitives.ReadInt32BigEndian(batch[57..]) : 0;
        Traffic(topic).AddProduced(records, batch.Length);
        _sent.Add(records, new KeyValuePair<string, object?>("messaging.system", "kafka"), new KeyValuePair<string, object?>("messaging.destination.name", topic));
    }

    /// <summary>Record batches (as stored) returned from <paramref name="topic"/>.</summary>
    public void RecordFetched(string topic, int records, int bytes)
    {
        Traffic(topic).AddFetched(records, bytes);
        _consumed.Add(records, new KeyValuePair<string, object?>("messaging.system", "kafka"), new KeyValuePair<string, object?>("messaging.destination.name", topic));
    }

    /// <summary>Number of records in consecutive v2 record batches (header fields only).</summary>
    public static int CountRecords(ReadOnlySpan<byte> batches)
    {
        int records = 0;
        while (batches.Length >= 61)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(batches[8..]) + 12;
            records += BinaryPrimitives.ReadInt32BigEndian(batches[57..]);
            if (size <= 12 || size > batches.Length)
                break;
            batches = batches[size..];
        }
        return records;
    }

    /// <summary>Stats of every API key that has served at least one request.</summary>
    public IReadOnlyList<BrokerApiStats> Apis
    {
        get
        {
            var result = new List<BrokerApiStats>();
            foreach (var stats in _apis)
                if (stats is not null)
                    result.Add(stats);
            return result;
        }
    }

    public ICollection<BrokerTopicTraffic> Topics => _topics.Values;

    private BrokerApiStats InitApi(int key, ApiKey api)
    {
        Interlocked.CompareExchange(ref _apis[key], new BrokerApiStats(api.ToString(), DurationBuckets.Length + 1), null);
        return _apis[key]!;
    }

    private BrokerTopicTraffic Traffic(string topic) =>
        _topics.TryGetValue(topic, out var traffic) ? traffic : _topics.GetOrAdd(topic, t => new BrokerTopicTraffic(t));

    /// <summary>Elapsed seconds since a <see cref="Stopwatch.GetTimestamp"/> reading.</summary>
    public static double SecondsSince(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;

    public void Dispose() => Meter.Dispose();
}
