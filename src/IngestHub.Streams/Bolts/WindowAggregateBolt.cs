using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Pipelines.Events;
using IngestHub.Streams.Runtime;
using IngestHub.Streams.Topology;
using IngestHub.Streams.Windows;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Bolts;

/// <summary>
/// Counts, sums or counts distinct values per group over tumbling or sliding duration windows, with exact results
/// despite replays and restarts:
/// <list type="bullet">
/// <item>Tuples are folded into panes (gcd of length and slide) and acked at once, so windows of any length are
/// not bounded by the message timeout or max.spout.pending.</item>
/// <item>Each pane remembers the source positions it counted and drops replayed duplicates.</item>
/// <item>The bolt holds back the source commit at the lowest offset of any pane whose windows are not yet
/// delivered, and publishes as progress the end of the last window whose results were acknowledged downstream.</item>
/// <item>Results are tracked tuples (the bolt roots them): a failed result is re-emitted.</item>
/// <item>After a restart the replay from the committed offsets recomputes every undelivered window completely;
/// windows up to the restored progress are not emitted again.</item>
/// </list>
/// With idempotent writes of each window's final value (Redis HSET of the totals keyed by window start) this gives
/// exactly-once results over at-least-once delivery. Windows are [start, end), aligned to the epoch; with event
/// time, a tuple older than the watermark is late (late stream).
/// </summary>
public sealed class WindowAggregateBolt : IBolt, ITupleTracker, ISubmitCheck
{
    private const string None = "none";
    private static readonly TimeSpan DeadLetterTimeout = TimeSpan.FromSeconds(30);

    private readonly WindowAggregateOptions _options;
    private readonly long _lengthMs;
    private readonly long _slideMs;
    private readonly long _paneMs;
    private readonly string[] _keyNames;
    private readonly FieldReference?[] _keyRefs;
    private readonly FieldReference? _timestampRef;
    private readonly FieldReference? _fieldRef;
    private readonly FieldReference? _pivotRef;
    private readonly SortedDictionary<long, Pane> _panes = [];
    private readonly SortedDictionary<long, int> _outstanding = [];
    private readonly Queue<WindowOutput> _retry = new();
    private readonly Dictionary<TopicPartition, long> _held = [];
    private IOutputCollector _collector = null!;
    private TopologyContext _context = null!;
    private CommitHold _hold = null!;
    private WatermarkTracker? _watermarks;
    private Pane? _lastPane;
    private long? _restored;
    private long _lastWatermark = long.MinValue;
    private long _lastFired = long.MinValue;
    private long _progress = long.MinValue;
    private bool _holdsStale;
    private long _late;
    private long _duplicates;
    private long _skipped;
    private long _windows;

    public WindowAggregateBolt(WindowAggregateOptions options)
    {
        _options = options;
        _lengthMs = (long)options.Length.TotalMilliseconds;
        _slideMs = (long)options.SlideOrLength.TotalMilliseconds;
        if (_lengthMs <= 0 || _slideMs <= 0)
            throw new ArgumentException("window length and slide must be positive", nameof(options));
        _paneMs = Gcd(_lengthMs, _slideMs);
        _keyNames = [.. options.GroupBy.Select(OutputName)];
        _keyRefs = [.. options.GroupBy.Select(Reference)];
        if (options.Timestamp is { } ts && ts != "record")
            _timestampRef = Reference(ts);
        if (options.Field is { } field)
            _fieldRef = Reference(field);
        if (options.Pivot is { } pivot)
            _pivotRef = Reference(pivot);
    }

    public long LateTuples => Interlocked.Read(ref _late);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long SkippedAfterRestore => Interlocked.Read(ref _skipped);

    public long WindowsEmitted => Interlocked.Read(ref _windows);

    public WindowAggregateOptions Options => _options;

    public void DeclareOutputFields(IOutputFieldsDeclarer declarer)
    {
        declarer.Declare(new Fields([TupleEvents.EventField, .. _keyNames]));
        declarer.DeclareStream(_options.LateStream, new Fields(TupleEvents.EventField, TopologyConstants.LateTupleField));
    }

    public IReadOnlyDictionary<string, object?>? GetComponentConfiguration() =>
        new Dictionary<string, object?> { [TopologyConfig.TickTupleFrequencySecs] = _options.WatermarkInterval.TotalSeconds };

    public void Check(ComponentDefinition component, TopologyConfig config)
    {
        if (_options.Slide is { } slide && slide > _options.Length)
            throw new InvalidTopologyException($"{component.Id}: the slide ({WindowSize.Describe(slide)}) is longer than the window ({WindowSize.Describe(_options.Length)})");
        if (_options.Aggregate != WindowAggregate.Count && _options.Field is null)
            throw new InvalidTopologyException($"{component.Id}: {_options.Aggregate.ToString().ToLowerInvariant()} needs a field");
    }

    public void Prepare(TopologyContext context, IOutputCollector collector)
    {
        _context = context;
        _collector = collector;
        _hold = context.CommitHold;
        _restored = _hold.Restored;
        if (_restored is { } restored)
        {
            _lastFired = restored;
            _progress = restored;
            context.Logger.LogInformation("{Component} task {Task}: windows ending at or before {Progress} were delivered before the restart; their replayed tuples are skipped",
                context.ThisComponentId, context.ThisTaskIndex, DateTimeOffset.FromUnixTimeMilliseconds(restored));
        }
        if (_options.Timestamp is not null)
            _watermarks = new WatermarkTracker(context.ThisSources.Count, _options.Lag, _options.IdleTimeout, context.Topology.SourcePartitions);
    }

    public void Execute(StreamTuple input)
    {
        long now = _context.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (input.IsTick)
        {
            OnWatermarkTick(now);
            _collector.Ack(input);
            return;
        }
        long ts = now;
        if (_options.Timestamp is not null && !TryTimestamp(input, out ts))
        {
            DeadLetter(input, "timestamp", $"no usable timestamp '{_options.Timestamp}'");
            return;
        }
        long paneStart = EventTime.FloorTo(ts, _paneMs);
        if (_restored is { } restored && EventTime.FloorTo(paneStart + _lengthMs, _slideMs) <= restored)
        {
            // Counted in a window delivered before the restart.
            Interlocked.Increment(ref _skipped);
            _collector.Ack(input);
            return;
        }
        // A replay of a tuple its pane counted already is a duplicate, not late, even behind the watermark.
        var known = _lastPane is { } last && last.Start == paneStart ? last : _panes.GetValueOrDefault(paneStart);
        if (input.Source is { } source && known is not null && known.Has(source))
        {
            Interlocked.Increment(ref _duplicates);
            _collector.Ack(input);
            return;
        }
        if (ts < _lastWatermark)
        {
            Interlocked.Increment(ref _late);
            _collector.Emit(_options.LateStream, input, new Values(TupleEvents.ToEvent(input), input));
            _collector.Ack(input);
            return;
        }
        _watermarks?.Observe(input, ts, now);
        var pane = known ?? PaneAt(paneStart);
        if (input.Source is { } seen)
            pane.See(seen);
        if (!TryAdd(pane, input))
            return;
        if (input.Source is { } s)
            Hold(new TopicPartition(s.Topic, s.Partition), s.Offset);
        _collector.Ack(input);
    }

    private Pane PaneAt(long start)
    {
        if (_lastPane is { } last && last.Start == start)
            return last;
        if (!_panes.TryGetValue(start, out var pane))
            _panes[start] = pane = new Pane(start);
        _lastPane = pane;
        return pane;
    }

    /// <summary>Publishes a lower hold before the tuple is acked (a commit must never pass it).</summary>
    private void Hold(TopicPartition partition, long offset)
    {
        if (_held.TryGetValue(partition, out long held) && held <= offset)
            return;
        _held[partition] = offset;
        _hold.Update(_progress, _held);
    }

    private bool TryAdd(Pane pane, StreamTuple input)
    {
        var keys = new string[_keyNames.Length];
        for (int i = 0; i < keys.Length; i++)
            keys[i] = Text(input, _options.GroupBy[i], _keyRefs[i]) ?? None;
        string pivot = _options.Pivot is null ? "" : Text(input, _options.Pivot, _pivotRef) ?? None;
        string groupKey = keys.Length == 1 ? keys[0] : string.Join('\u001f', keys);
        if (!pane.Groups.TryGetValue(groupKey, out var group))
            pane.Groups[groupKey] = group = new Group(keys);
        var cell = group.Cell(pivot);
        switch (_options.Aggregate)
        {
            case WindowAggregate.Count:
                cell.Count++;
                break;
            case WindowAggregate.Sum:
                if (!TupleEvents.TryRead(input, _options.Field!, _fieldRef, out var raw) || !TryNumber(raw, out double number))
                {
                    DeadLetter(input, "aggregate", $"field '{_options.Field}' is missing or not a number");
                    return false;
                }
                cell.Sum += number;
                cell.Count++;
                break;
            default:
                (cell.Distinct ??= new HashSet<string>(StringComparer.Ordinal)).Add(Text(input, _options.Field!, _fieldRef) ?? None);
                break;
        }
        if (input.Source is { } s)
        {
            var tp = new TopicPartition(s.Topic, s.Partition);
            if (!pane.Lowest.TryGetValue(tp, out long low) || s.Offset < low)
                pane.Lowest[tp] = s.Offset;
        }
        return true;
    }

    private void OnWatermarkTick(long now)
    {
        long? watermark = _watermarks is null ? now : _watermarks.Compute(now, _context.Topology.SourcePartitions.All);
        if (watermark is { } wm && wm > _lastWatermark)
        {
            _lastWatermark = wm;
            FireUpTo(wm);
        }
        int retries = _retry.Count;
        for (int i = 0; i < retries; i++)
            Emit(_retry.Dequeue());
        Advance();
    }

    private void FireUpTo(long watermark)
    {
        while (true)
        {
            long candidate = _lastFired == long.MinValue ? long.MinValue : _lastFired + _slideMs;
            // The first pane a window ending at or after the candidate can contain.
            Pane? first = null;
            foreach (var (start, pane) in _panes)
            {
                if (candidate == long.MinValue || start >= candidate - _lengthMs)
                {
                    first = pane;
                    break;
                }
            }
            if (first is null)
            {
                // Nothing buffered: windows up to the watermark are empty and count as delivered.
                long floor = EventTime.FloorTo(watermark, _slideMs);
                if (floor > _lastFired)
                    _lastFired = floor;
                return;
            }
            long end = EventTime.FirstEndAfter(first.Start, _slideMs);
            if (candidate != long.MinValue)
                end = Math.Max(end, candidate);
            if (end > watermark)
            {
                // Empty windows before this one are delivered too.
                long floor = EventTime.FloorTo(Math.Min(watermark, end - _slideMs), _slideMs);
                if (floor > _lastFired)
                    _lastFired = floor;
                return;
            }
            Fire(end);
            _lastFired = end;
        }
    }

    private void Fire(long end)
    {
        long start = end - _lengthMs;
        var merged = new Dictionary<string, Group>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (paneStart, pane) in _panes)
        {
            if (paneStart < start)
                continue;
            if (paneStart >= end)
                break;
            foreach (var (key, group) in pane.Groups)
            {
                if (!merged.TryGetValue(key, out var into))
                {
                    merged[key] = into = new Group(group.Keys);
                    order.Add(key);
                }
                into.Merge(group);
            }
        }
        if (merged.Count == 0)
            return;
        _outstanding[end] = merged.Count;
        Interlocked.Increment(ref _windows);
        foreach (var key in order)
        {
            var group = merged[key];
            var values = new object?[1 + _keyNames.Length];
            values[0] = Result(group, start, end);
            for (int i = 0; i < _keyNames.Length; i++)
                values[i + 1] = group.Keys[i];
            Emit(new WindowOutput(end, values));
        }
    }

    private void Emit(WindowOutput output) => _collector.EmitTracked(TopologyConstants.DefaultStream, new Values(output.Values), output);

    private LogEvent Result(Group group, long start, long end)
    {
        var fields = new JsonObject();
        var startTime = DateTimeOffset.FromUnixTimeMilliseconds(start);
        var endTime = DateTimeOffset.FromUnixTimeMilliseconds(end);
        var window = new JsonObject
        {
            ["start"] = Iso(startTime),
            ["end"] = Iso(endTime),
            ["start_ms"] = start,
            ["end_ms"] = end,
            ["start_minute"] = startTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture),
        };
        var metadata = new JsonObject();
        for (int i = 0; i < _keyNames.Length; i++)
            metadata[_keyNames[i]] = group.Keys[i];
        metadata["window"] = window;
        if (_options.FullDocument)
        {
            for (int i = 0; i < _keyNames.Length; i++)
                fields[_keyNames[i]] = group.Keys[i];
            fields["window_start"] = Iso(startTime);
            fields["window_end"] = Iso(endTime);
        }
        foreach (var (pivot, cell) in group.Cells)
        {
            string name = _options.Pivot is null ? _options.Aggregate.ToString().ToLowerInvariant() : pivot;
            fields[name] = _options.Aggregate switch
            {
                WindowAggregate.Count => JsonValue.Create(cell.Count),
                WindowAggregate.Sum => JsonValue.Create(cell.Sum),
                _ => JsonValue.Create((long)(cell.Distinct?.Count ?? 0)),
            };
        }
        return new LogEvent(fields, metadata);
    }

    public void Ack(object messageId)
    {
        var output = (WindowOutput)messageId;
        if (_outstanding.TryGetValue(output.End, out int left))
        {
            if (left <= 1)
                _outstanding.Remove(output.End);
            else
                _outstanding[output.End] = left - 1;
        }
        Advance();
    }

    public void Fail(object messageId) => _retry.Enqueue((WindowOutput)messageId);

    /// <summary>Progress = end of the last window such that it and every earlier one are delivered; panes no
    /// undelivered window needs are dropped and the holds recomputed.</summary>
    private void Advance()
    {
        long progress = _outstanding.Count > 0 ? _outstanding.Keys.First() - _slideMs : _lastFired;
        bool changed = false;
        if (progress > _progress)
        {
            _progress = progress;
            changed = true;
            while (_panes.Count > 0)
            {
                var (start, _) = _panes.First();
                if (EventTime.FloorTo(start + _lengthMs, _slideMs) > progress)
                    break;
                _panes.Remove(start);
                if (_lastPane?.Start == start)
                    _lastPane = null;
                _holdsStale = true;
            }
        }
        if (_holdsStale)
        {
            _holdsStale = false;
            var next = new Dictionary<TopicPartition, long>();
            foreach (var pane in _panes.Values)
            {
                foreach (var (tp, low) in pane.Lowest)
                    next[tp] = next.TryGetValue(tp, out long known) ? Math.Min(known, low) : low;
            }
            _held.Clear();
            foreach (var (tp, low) in next)
                _held[tp] = low;
            changed = true;
        }
        if (changed && _progress != long.MinValue)
            _hold.Update(_progress, _held);
    }

    private bool TryTimestamp(StreamTuple input, out long ts)
    {
        object? value;
        if (_options.Timestamp == "record")
        {
            if (!TupleEvents.TryRead(input, "timestamp", FieldReference.Parse("[@metadata][kafka][timestamp]"), out value))
                value = null;
        }
        else if (!TupleEvents.TryRead(input, _options.Timestamp!, _timestampRef, out value))
        {
            value = null;
        }
        return EventTime.TryRead(value, out ts);
    }

    private void DeadLetter(StreamTuple input, string stage, string reason)
    {
        try
        {
            if (!_context.DeadLetters.WriteAsync(TupleEvents.ToDeadLetter(input), _context.ThisComponentId, stage, "data", reason).Wait(DeadLetterTimeout))
                throw new TimeoutException("the dead-letter topic did not acknowledge within 30 s");
            _collector.ReportError(new ArgumentException($"{input.Source}: {reason}; sent to the dead-letter topic"));
            _collector.Ack(input);
        }
        catch (Exception ex) when (ex is AggregateException or TimeoutException or InvalidOperationException)
        {
            _collector.ReportError(new InvalidOperationException($"{input.Source}: {reason}, and it could not be dead-lettered: {ex.GetBaseException().Message}", ex));
            _collector.Fail(input);
        }
    }

    public void Cleanup()
    {
    }

    private static string? Text(StreamTuple input, string name, FieldReference? reference) =>
        TupleEvents.TryRead(input, name, reference, out var value) ? StreamTuple.AsString(value) : null;

    private static bool TryNumber(object? value, out double number)
    {
        switch (value)
        {
            case long l:
                number = l;
                return true;
            case int i:
                number = i;
                return true;
            case double d:
                number = d;
                return true;
            case string s:
                return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            default:
                number = 0;
                return false;
        }
    }

    private static FieldReference? Reference(string name) => FieldReference.TryParse(name, out var r) ? r : null;

    /// <summary>The tuple field a group-by reference becomes: its parts joined by dots.</summary>
    internal static string OutputName(string reference) =>
        FieldReference.TryParse(reference, out var r) ? string.Join('.', r.Parts) : reference;

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static long Gcd(long a, long b)
    {
        while (b != 0)
            (a, b) = (b, a % b);
        return a;
    }

    private sealed class Pane(long start)
    {
        private readonly Dictionary<TopicPartition, OffsetSet> _seen = [];

        public long Start { get; } = start;

        public Dictionary<string, Group> Groups { get; } = new(StringComparer.Ordinal);

        /// <summary>Lowest source offset counted here, per partition (what this pane holds back).</summary>
        public Dictionary<TopicPartition, long> Lowest { get; } = [];

        public bool Has(TupleSource source) =>
            _seen.TryGetValue(new TopicPartition(source.Topic, source.Partition), out var set) && set.Contains(source.Offset, source.Index);

        public bool See(TupleSource source)
        {
            var tp = new TopicPartition(source.Topic, source.Partition);
            if (!_seen.TryGetValue(tp, out var set))
                _seen[tp] = set = new OffsetSet();
            return set.Add(source.Offset, source.Index);
        }
    }

    private sealed class Group(string[] keys)
    {
        public string[] Keys { get; } = keys;

        public Dictionary<string, Cell> Cells { get; } = new(StringComparer.Ordinal);

        public Cell Cell(string pivot)
        {
            if (!Cells.TryGetValue(pivot, out var cell))
                Cells[pivot] = cell = new Cell();
            return cell;
        }

        public void Merge(Group other)
        {
            foreach (var (pivot, cell) in other.Cells)
            {
                var into = Cell(pivot);
                into.Count += cell.Count;
                into.Sum += cell.Sum;
                if (cell.Distinct is { } distinct)
                    (into.Distinct ??= new HashSet<string>(StringComparer.Ordinal)).UnionWith(distinct);
            }
        }
    }

    private sealed class Cell
    {
        public long Count;
        public double Sum;
        public HashSet<string>? Distinct;
    }

    private sealed record WindowOutput(long End, object?[] Values);
}
