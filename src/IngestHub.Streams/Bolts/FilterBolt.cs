using IngestHub.Pipelines.Filters;

namespace IngestHub.Streams.Bolts;

/// <summary>Passes on (anchored, unchanged) the tuples whose event matches a pipeline condition
/// (<c>{ field: level, equals: ERROR }</c>, <c>any</c>/<c>all</c>/<c>not</c>…); the others are acked and end here.</summary>
public sealed class FilterBolt(EventCondition condition, Fields outputFields) : BaseRichBolt
{
    private IOutputCollector _collector = null!;

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(outputFields);

    public override void Prepare(TopologyContext context, IOutputCollector collector) => _collector = collector;

    public override void Execute(StreamTuple input)
    {
        if (!input.IsTick && condition.Evaluate(TupleEvents.ToEvent(input)))
        {
            var values = new object?[outputFields.Count];
            for (int i = 0; i < values.Length; i++)
                values[i] = input.Fields.IndexOf(outputFields[i]) is int at and >= 0 ? input[at] : null;
            _collector.Emit(TopologyConstants.DefaultStream, input, new Values(values));
        }
        _collector.Ack(input);
    }
}
