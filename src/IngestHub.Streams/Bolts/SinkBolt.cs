using System.Diagnostics;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Runtime;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Bolts;

/// <summary>
/// Writes tuples through a pipeline <see cref="ISink"/> (Redis, Elasticsearch, a topic…), so sinks exist once.
/// Inputs are buffered up to <c>batchSize</c> and written when the batch is full or the input queue is drained;
/// they are acked only after the sink stored them. A sink that is down is retried with backoff for up to
/// <c>retryFor</c> (the executor waits, so upstream backs off), then the batch's tuples are failed and replayed.
/// Events the sink refuses go to the dead-letter topic and are acked.
/// </summary>
public sealed class SinkBolt : BaseRichBolt, IBatchingBolt
{
    private static readonly TimeSpan DeadLetterTimeout = TimeSpan.FromSeconds(30);

    private readonly Func<ISink> _createSink;
    private readonly int _batchSize;
    private readonly TimeSpan? _retryFor;
    private readonly List<LogEvent> _events = [];
    private readonly List<StreamTuple> _tuples = [];
    private IOutputCollector _collector = null!;
    private TopologyContext _context = null!;
    private ISink? _sink;
    private bool _started;
    private long _written;
    private long _rejected;
    private long _retries;

    public SinkBolt(Func<ISink> createSink, int batchSize = 500, TimeSpan? retryFor = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _createSink = createSink;
        _batchSize = batchSize;
        _retryFor = retryFor;
    }

    public long Written => Interlocked.Read(ref _written);

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Retries => Interlocked.Read(ref _retries);

    public override void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
    }

    public override void Prepare(TopologyContext context, IOutputCollector collector)
    {
        _context = context;
        _collector = collector;
        _sink = _createSink();
    }

    public override void Execute(StreamTuple input)
    {
        if (input.IsTick)
        {
            FlushBatch();
            _collector.Ack(input);
            return;
        }
        _events.Add(TupleEvents.ToEvent(input));
        _tuples.Add(input);
        if (_events.Count >= _batchSize)
            FlushBatch();
    }

    public void FlushBatch()
    {
        if (_events.Count == 0)
            return;
        // Bounded by the message timeout: tuples failed after that have been replayed anyway.
        var retryFor = _retryFor ?? TimeSpan.FromSeconds(Math.Max(1, _context.Config.MessageTimeoutSecs / 3.0));
        var deadline = Stopwatch.GetTimestamp() + (long)(retryFor.TotalSeconds * Stopwatch.Frequency);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (!_started)
                {
                    _sink!.StartAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                    _started = true;
                }
                var result = _sink!.WriteAsync(_events, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                Delivered(result);
                return;
            }
            catch (SinkUnavailableException ex)
            {
                Interlocked.Increment(ref _retries);
                var delay = Backoff.Delay(attempt, 50, 2_000);
                if (Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency) > deadline)
                {
                    _collector.ReportError(new SinkUnavailableException($"sink unavailable for {retryFor.TotalSeconds:0.#} s, failing {_tuples.Count} tuples for replay: {ex.Message}", ex));
                    foreach (var tuple in _tuples)
                        _collector.Fail(tuple);
                    Clear();
                    return;
                }
                if (attempt == 0)
                    _context.Logger.LogWarning("Sink of {Component} unavailable, retrying: {Error}", _context.ThisComponentId, ex.Message);
                Thread.Sleep(delay);
            }
        }
    }

    private void Delivered(SinkWriteResult result)
    {
        var rejected = new HashSet<int>();
        foreach (var rejection in result.Rejected)
        {
            rejected.Add(rejection.Index);
            var tuple = _tuples[rejection.Index];
            try
            {
                if (!_context.DeadLetters.WriteAsync(TupleEvents.ToDeadLetter(tuple), _context.ThisComponentId, "sink", rejection.ErrorType, rejection.Reason).Wait(DeadLetterTimeout))
                    throw new TimeoutException("the dead-letter topic did not acknowledge within 30 s");
                Interlocked.Increment(ref _rejected);
                _collector.Ack(tuple);
            }
            catch (Exception ex) when (ex is AggregateException or TimeoutException or InvalidOperationException)
            {
                _collector.ReportError(new InvalidOperationException($"event refused by the sink ({rejection.Reason}) could not be dead-lettered: {ex.GetBaseException().Message}", ex));
                _collector.Fail(tuple);
            }
        }
        for (int i = 0; i < _tuples.Count; i++)
        {
            if (!rejected.Contains(i))
                _collector.Ack(_tuples[i]);
        }
        Interlocked.Add(ref _written, _tuples.Count - rejected.Count);
        Clear();
    }

    private void Clear()
    {
        _events.Clear();
        _tuples.Clear();
    }

    public override void Cleanup()
    {
        if (_sink is not null)
            _sink.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
