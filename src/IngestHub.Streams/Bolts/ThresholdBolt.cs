using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Events;

namespace IngestHub.Streams.Bolts;

/// <summary>
/// Turns window results into alerts once per crossing: per key it remembers whether the share
/// (numerator ÷ denominator) is above the threshold and emits <c>firing</c> when it rises above it, and
/// <c>resolved</c> when it falls back — not one record per window or tuple. Results arrive in window order per key
/// (fields grouping on the key); an older window arriving late (a re-emitted result) is ignored. The alert document:
/// <c>id</c> (key and window end, stable across replays), <c>state</c>, the key fields, <c>share</c>,
/// <c>numerator</c>, <c>total</c>, <c>threshold</c>, <c>window_start</c>, <c>window_end</c>, <c>@timestamp</c>.
/// </summary>
public sealed class ThresholdBolt(ThresholdOptions options) : BaseRichBolt
{
    private readonly Dictionary<string, (bool Above, long LastEnd)> _state = new(StringComparer.Ordinal);
    private IOutputCollector _collector = null!;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) =>
        declarer.Declare(new Fields([TupleEvents.EventField, .. options.Key.Select(WindowAggregateBolt.OutputName)]));

    public override void Prepare(TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(StreamTuple input)
    {
        if (input.IsTick)
        {
            _collector.Ack(input);
            return;
        }
        var result = TupleEvents.ToEvent(input);
        var keys = options.Key.Select(k => StreamTuple.AsString(TupleEvents.TryRead(input, k, null, out var v) ? v : result.Metadata[k]?.ToString()) ?? "none").ToArray();
        string key = string.Join('\u001f', keys);
        long end = result.Metadata["window"]?["end_ms"]?.GetValue<long>() ?? 0;
        long start = result.Metadata["window"]?["start_ms"]?.GetValue<long>() ?? 0;
        _state.TryGetValue(key, out var state);
        if (end <= state.LastEnd)
        {
            _collector.Ack(input);
            return;
        }
        double numerator = 0;
        double total = 0;
        foreach (var (name, node) in result.Fields)
        {
            if (node is not JsonValue v || !v.TryGetValue(out double value))
            {
                if (node is JsonValue l && l.TryGetValue(out long whole))
                    value = whole;
                else
                    continue;
            }
            if (options.Numerator.Contains(name))
                numerator += value;
            if (options.Denominator.Count == 0 || options.Denominator.Contains(name))
                total += value;
        }
        bool above = state.Above;
        if (total >= options.MinimumTotal)
        {
            double share = numerator / total;
            bool nowAbove = share > options.Above;
            if (nowAbove != state.Above && (nowAbove || options.EmitResolved))
                Alert(input, keys, nowAbove ? "firing" : "resolved", share, numerator, total, start, end);
            above = nowAbove;
        }
        _state[key] = (above, end);
        _collector.Ack(input);
    }

    private void Alert(StreamTuple input, string[] keys, string state, double share, double numerator, double total, long start, long end)
    {
        var fields = new JsonObject
        {
            ["id"] = string.Join(':', keys) + ":" + end.ToString(CultureInfo.InvariantCulture),
            ["state"] = state,
        };
        var names = options.Key.Select(WindowAggregateBolt.OutputName).ToArray();
        for (int i = 0; i < names.Length; i++)
            fields[names[i]] = keys[i];
        fields["share"] = Math.Round(share, 6);
        fields["numerator"] = numerator;
        fields["total"] = total;
        fields["threshold"] = options.Above;
        fields["window_start"] = Iso(start);
        fields["window_end"] = Iso(end);
        var alert = new LogEvent(fields) { Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(end) };
        var values = new object?[1 + keys.Length];
        values[0] = alert;
        for (int i = 0; i < keys.Length; i++)
            values[i + 1] = keys[i];
        _collector.Emit(TopologyConstants.DefaultStream, input, new Values(values));
    }

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
