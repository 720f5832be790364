using IngestHub.Pipelines;
using IngestHub.Pipelines.Events;

namespace IngestHub.Streams.Bolts;

/// <summary>
/// Runs a pipeline's codec and filters (the same <see cref="Pipeline"/> connectors run) over each input record and
/// emits one tuple per resulting event, anchored to the input: <c>event</c> plus the event fields named in
/// <c>fields</c> (as text, for fields groupings). Records the codec cannot decode go to the dead-letter topic;
/// events dropped by filters just end there.
/// </summary>
public sealed class PipelineBolt : BaseRichBolt
{
    private static readonly TimeSpan DeadLetterTimeout = TimeSpan.FromSeconds(30);

    private readonly Pipeline _pipeline;
    private readonly string[] _fields;
    private readonly FieldReference[] _references;
    private readonly PipelineOutput _output = new();
    private IOutputCollector _collector = null!;
    private TopologyContext _context = null!;
    private long _dropped;
    private long _deadLettered;

    public PipelineBolt(Pipeline pipeline, IReadOnlyList<string>? fields = null)
    {
        _pipeline = pipeline;
        _fields = [.. fields ?? []];
        _references = [.. _fields.Select(FieldReference.Parse)];
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer) => declarer.Declare(new Fields([TupleEvents.EventField, .. _fields]));

    public override void Prepare(TopologyContext context, IOutputCollector collector)
    {
        _context = context;
        _collector = collector;
    }

    public override void Execute(StreamTuple input)
    {
        if (input.IsTick)
        {
            _collector.Ack(input);
            return;
        }
        var record = TupleEvents.ToKafkaRecord(input);
        _output.Clear();
        _pipeline.Process(record, _output);
        if (_output.Failures.Count > 0)
        {
            var failure = _output.Failures[0];
            string reason = failure.Line > 0 ? $"line {failure.Line}: {failure.Reason}" : failure.Reason;
            try
            {
                if (!_context.DeadLetters.WriteAsync(TupleEvents.ToDeadLetter(input), _context.ThisComponentId, "codec", "decode", reason).Wait(DeadLetterTimeout))
                    throw new TimeoutException("the dead-letter topic did not acknowledge within 30 s");
                Interlocked.Increment(ref _deadLettered);
                _collector.Ack(input);
            }
            catch (Exception ex) when (ex is AggregateException or TimeoutException or InvalidOperationException)
            {
                // Not in the dead-letter topic: fail it so it comes back rather than vanish.
                _collector.ReportError(new InvalidOperationException($"undecodable record {input.Source} could not be dead-lettered: {ex.GetBaseException().Message}", ex));
                _collector.Fail(input);
            }
            return;
        }
        Interlocked.Add(ref _dropped, _output.Dropped);
        foreach (var e in _output.Events)
        {
            var values = new object?[1 + _fields.Length];
            values[0] = e;
            for (int i = 0; i < _references.Length; i++)
                values[i + 1] = e.GetString(_references[i]);
            _collector.Emit(TopologyConstants.DefaultStream, input, new Values(values));
        }
        _collector.Ack(input);
    }
}
