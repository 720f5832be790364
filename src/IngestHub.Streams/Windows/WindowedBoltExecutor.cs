using IngestHub.Streams.Runtime;
using IngestHub.Streams.Topology;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Windows;

/// <summary>
/// Runs an <see cref="IWindowedBolt"/> with Storm's semantics. Processing time: duration windows are evaluated on
/// a timer every sliding interval, count windows every <c>slide</c> tuples. Event time: tuples are buffered and a
/// watermark (every watermark interval) evaluates the windows that ended before it, in order; a tuple older than
/// the last watermark is late (late stream, or logged and dropped). Duration windows are aligned to the epoch and
/// half-open, [end − length, end); empty windows are skipped. Window tuples are acked when they leave their last
/// window; what the bolt emits from a window is anchored to all its tuples.
/// </summary>
internal sealed class WindowedBoltExecutor : IBolt, IWrappingBolt, ISubmitCheck
{
    private readonly IWindowedBolt _bolt;
    private readonly WindowConfiguration _window;
    private readonly List<Held> _buffer = [];
    private readonly List<Held> _released = [];
    private readonly List<StreamTuple> _expired = [];
    private HashSet<StreamTuple> _previous = new(ReferenceEqualityComparer.Instance);
    private IOutputCollector _collector = null!;
    private TopologyContext _context = null!;
    private WatermarkTracker? _watermarks;
    private WindowCollector _windowCollector = null!;
    private long _lastWatermark = long.MinValue;
    private long _lastEnd = long.MinValue;
    private int _sinceEvaluation;
    private long _late;

    public WindowedBoltExecutor(IWindowedBolt bolt)
    {
        _bolt = bolt;
        _window = bolt.Window;
    }

    public object Inner => _bolt;

    public long LateTuples => Interlocked.Read(ref _late);

    public void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        _bolt.DeclareOutputFields(declarer);
        if (_window.LateTupleStream is { } late)
            declarer.DeclareStream(late, new Fields(TopologyConstants.LateTupleField));
    }

    public IReadOnlyDictionary<string, object?>? GetComponentConfiguration()
    {
        var config = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (_bolt.GetComponentConfiguration() is { } own)
        {
            foreach (var (key, value) in own)
                config[key] = value;
        }
        // The executor's own timer: the watermark interval with event time, the sliding interval for processing-time durations.
        if (_window.IsEventTime)
            config[TopologyConfig.TickTupleFrequencySecs] = _window.WatermarkInterval.TotalSeconds;
        else if (!_window.Length.IsCount)
            config[TopologyConfig.TickTupleFrequencySecs] = Math.Max(0.01, (_window.Slide.IsCount ? _window.Length : _window.Slide).Duration.TotalSeconds);
        return config;
    }

    public void Check(ComponentDefinition component, TopologyConfig config)
    {
        _window.Validate(component.Id);
        _window.CheckAgainst(component.Id, config);
    }

    public void Prepare(TopologyContext context, IOutputCollector collector)
    {
        _context = context;
        _collector = collector;
        _windowCollector = new WindowCollector(collector);
        if (_window.IsEventTime)
            _watermarks = new WatermarkTracker(context.ThisSources.Count, _window.Lag, _window.IdleTimeout);
        _bolt.Prepare(context, _windowCollector);
    }

    public void Cleanup() => _bolt.Cleanup();

    public void Execute(StreamTuple input)
    {
        long now = _context.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (input.IsTick)
        {
            OnTimer(now);
            return;
        }
        if (!_window.IsEventTime)
        {
            _buffer.Add(new Held(input, now));
            if (_window.Length.IsCount && ++_sinceEvaluation >= _window.Slide.TupleCount)
            {
                _sinceEvaluation = 0;
                EvaluateCount(now);
            }
            return;
        }
        if (!TryTimestamp(input, out long ts))
            return;
        if (ts < _lastWatermark)
        {
            Late(input, ts);
            return;
        }
        _buffer.Add(new Held(input, ts));
        _watermarks!.Observe(input, ts, now);
    }

    private bool TryTimestamp(StreamTuple input, out long ts)
    {
        try
        {
            if (_window.TimestampExtractor is { } extract)
            {
                ts = extract(input);
                return true;
            }
            if (input.Fields.IndexOf(_window.TimestampField!) is var i and >= 0 && EventTime.TryRead(input[i], out ts))
                return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _collector.ReportError(new ArgumentException($"timestamp extractor failed: {ex.Message}", ex));
            _collector.Ack(input);
            ts = 0;
            return false;
        }
        // Storm throws for a missing timestamp field; here the tuple is reported and acked so it cannot loop forever.
        _collector.ReportError(new ArgumentException($"tuple from {input.SourceComponent}:{input.SourceStreamId} has no usable timestamp field '{_window.TimestampField}' (fields: {input.Fields})"));
        _collector.Ack(input);
        ts = 0;
        return false;
    }

    private void Late(StreamTuple input, long ts)
    {
        Interlocked.Increment(ref _late);
        if (_window.LateTupleStream is { } stream)
            _collector.Emit(stream, input, new Values(input));
        else
            _context.Logger.LogInformation("Late tuple (timestamp {Timestamp}, watermark {Watermark}) from {Source}: dropped", ts, _lastWatermark, input.SourceComponent);
        _collector.Ack(input);
    }

    private void OnTimer(long now)
    {
        if (_window.IsEventTime)
        {
            if (_watermarks!.Compute(now, _context.Topology.SourcePartitions.All) is not { } watermark || watermark <= _lastWatermark)
                return;
            _lastWatermark = watermark;
            if (_window.Length.IsCount)
                ReleaseInOrder(watermark, now);
            else
                EvaluateDurations(watermark);
        }
        else if (!_window.Length.IsCount)
        {
            EvaluateDurations(now);
        }
    }

    /// <summary>Event-time count windows: tuples up to the watermark enter the count logic in timestamp order.</summary>
    private void ReleaseInOrder(long watermark, long now)
    {
        var ready = _buffer.Where(h => h.Ts <= watermark).OrderBy(h => h.Ts).ToList();
        if (ready.Count == 0)
            return;
        _buffer.RemoveAll(h => h.Ts <= watermark);
        foreach (var held in ready)
        {
            _released.Add(held);
            if (++_sinceEvaluation >= _window.Slide.TupleCount)
            {
                _sinceEvaluation = 0;
                EvaluateCount(now, _released);
            }
        }
    }

    private void EvaluateCount(long now) => EvaluateCount(now, _buffer);

    private void EvaluateCount(long now, List<Held> source)
    {
        int length = _window.Length.TupleCount;
        int available = source.Count;
        int from = Math.Max(0, available - length);
        var window = new List<StreamTuple>(available - from);
        for (int i = from; i < available; i++)
            window.Add(source[i].Tuple);
        Invoke(window, null, now);
        // Tuples not in the next window (slide more tuples later) expire now.
        int keep = Math.Max(0, length - _window.Slide.TupleCount);
        int drop = Math.Max(0, available - keep);
        for (int i = 0; i < drop; i++)
            Expire(source[i].Tuple);
        source.RemoveRange(0, drop);
    }

    private void EvaluateDurations(long upTo)
    {
        long length = _window.Length.Milliseconds;
        long slide = (_window.Slide.IsCount ? _window.Length : _window.Slide).Milliseconds;
        while (_buffer.Count > 0)
        {
            long minTs = long.MaxValue;
            foreach (var h in _buffer)
                minTs = Math.Min(minTs, h.Ts);
            long end = EventTime.FirstEndAfter(minTs, slide);
            if (_lastEnd != long.MinValue)
                end = Math.Max(end, _lastEnd + slide);
            if (end > upTo)
                break;
            long start = end - length;
            var window = new List<StreamTuple>();
            foreach (var h in _buffer)
            {
                if (h.Ts >= start && h.Ts < end)
                    window.Add(h.Tuple);
            }
            _lastEnd = end;
            if (window.Count > 0)
                Invoke(window, start, end);
            // Tuples before the next window's start leave for good.
            long nextStart = end + slide - length;
            for (int i = _buffer.Count - 1; i >= 0; i--)
            {
                if (_buffer[i].Ts < nextStart)
                {
                    Expire(_buffer[i].Tuple);
                    _buffer.RemoveAt(i);
                }
            }
        }
    }

    private void Expire(StreamTuple tuple)
    {
        _expired.Add(tuple);
        _collector.Ack(tuple);
    }

    private void Invoke(List<StreamTuple> tuples, long? start, long end)
    {
        var fresh = new List<StreamTuple>();
        foreach (var t in tuples)
        {
            if (!_previous.Contains(t))
                fresh.Add(t);
        }
        var window = new TupleWindow(tuples, fresh, [.. _expired], start, end);
        _expired.Clear();
        _previous = new HashSet<StreamTuple>(tuples, ReferenceEqualityComparer.Instance);
        _windowCollector.Anchors = tuples;
        try
        {
            _bolt.Execute(window);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _collector.ReportError(ex);
        }
        finally
        {
            _windowCollector.Anchors = null;
        }
    }

    private readonly record struct Held(StreamTuple Tuple, long Ts);

    private sealed class TupleWindow(IReadOnlyList<StreamTuple> all, IReadOnlyList<StreamTuple> fresh, IReadOnlyList<StreamTuple> expired, long? start, long end) : ITupleWindow
    {
        public IReadOnlyList<StreamTuple> Get() => all;

        public IReadOnlyList<StreamTuple> GetNew() => fresh;

        public IReadOnlyList<StreamTuple> GetExpired() => expired;

        public long? StartTimestamp => start;

        public long EndTimestamp => end;
    }

    /// <summary>Anchors the windowed bolt's unanchored emits to every tuple of the window being evaluated.</summary>
    private sealed class WindowCollector(IOutputCollector inner) : IOutputCollector
    {
        public IReadOnlyList<StreamTuple>? Anchors { get; set; }

        public void Emit(Values values) => Emit(TopologyConstants.DefaultStream, (StreamTuple?)null, values);

        public void Emit(StreamTuple anchor, Values values) => inner.Emit(TopologyConstants.DefaultStream, anchor, values);

        public void Emit(string streamId, StreamTuple? anchor, Values values)
        {
            if (anchor is null && Anchors is { } window)
                inner.Emit(streamId, window, values);
            else
                inner.Emit(streamId, anchor, values);
        }

        public void Emit(string streamId, IReadOnlyList<StreamTuple> anchors, Values values) => inner.Emit(streamId, anchors, values);

        public void EmitDirect(int taskId, string streamId, StreamTuple? anchor, Values values)
        {
            if (anchor is null && Anchors is { } window)
                inner.EmitDirect(taskId, streamId, window, values);
            else
                inner.EmitDirect(taskId, streamId, anchor, values);
        }

        public void EmitDirect(int taskId, string streamId, IReadOnlyList<StreamTuple> anchors, Values values) => inner.EmitDirect(taskId, streamId, anchors, values);

        public void EmitTracked(string streamId, Values values, object messageId) => inner.EmitTracked(streamId, values, messageId);

        public void Ack(StreamTuple input) => inner.Ack(input);

        public void Fail(StreamTuple input) => inner.Fail(input);

        public void ResetTimeout(StreamTuple input) => inner.ResetTimeout(input);

        public void ReportError(Exception error) => inner.ReportError(error);
    }
}
