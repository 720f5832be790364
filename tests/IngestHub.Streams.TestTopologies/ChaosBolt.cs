using System.Globalization;
using System.Text.Json.Nodes;

namespace IngestHub.Streams.TestTopologies;

/// <summary>
/// Fails a share of its inputs at random (settings <c>fail.rate</c>, default 0.1) and passes the others on
/// unchanged, anchored; with <c>terminal: true</c> it emits nothing. Declares <c>fields</c> (default
/// <c>event, service, level</c>). For proving that results stay exact while trees fail and are replayed.
/// </summary>
public sealed class ChaosBolt : BaseRichBolt
{
    private readonly double _failRate;
    private readonly bool _terminal;
    private readonly Fields _fields;
    private IOutputCollector _collector = null!;

    public ChaosBolt(JsonObject settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _failRate = settings["fail.rate"] is JsonValue rate ? Convert.ToDouble(rate.ToString(), CultureInfo.InvariantCulture) : 0.1;
        _terminal = settings["terminal"] is JsonValue t && t.GetValue<bool>();
        _fields = settings["fields"] is JsonArray names ? new Fields(names.Select(n => n!.GetValue<string>())) : new Fields("event", "service", "level");
    }

    public ChaosBolt(double failRate, Fields fields, bool terminal = false)
    {
        _failRate = failRate;
        _fields = fields;
        _terminal = terminal;
    }

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(_terminal ? Fields.Empty : _fields);

    public override void Prepare(TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(StreamTuple input)
    {
        if (Random.Shared.NextDouble() < _failRate)
        {
            _collector.Fail(input);
            return;
        }
        if (!_terminal)
            _collector.Emit(TopologyConstants.DefaultStream, input, new Values([.. input.Values]));
        _collector.Ack(input);
    }
}
