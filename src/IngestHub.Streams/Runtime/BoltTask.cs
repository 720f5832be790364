using System.Diagnostics;
using System.Globalization;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// Runs one bolt task: executes its input tuples in arrival order, implements the collector (anchored emits
/// update the input's ack value with one random id per anchor and destination, as Storm's), delivers tick tuples
/// and, for bolts that root their own trees (<see cref="ITupleTracker"/>), their Ack/Fail and timeouts.
/// </summary>
internal sealed class BoltTask : TaskRuntime, IOutputCollector
{
    private const int Batch = 256;

    private readonly IBolt _bolt;
    private readonly IBatchingBolt? _batching;
    private readonly ITupleTracker? _tracker;
    private readonly Inbox<StreamTuple> _data;
    private readonly TaskRoutes _routes;
    private readonly List<int> _targets = [];
    private readonly StreamTuple[] _batch = new StreamTuple[Batch];
    private readonly ControlMessage[] _control = new ControlMessage[1024];
    private readonly bool _reliable;
    private readonly RotatingMap<TrackedTuple>? _tracked;
    private readonly List<object>? _immediateAcks;
    private readonly long _rotationPeriod;
    private readonly long _tickPeriod;
    private readonly int _tickSeconds;
    private readonly int _sampleEvery;
    private long _nextTick = long.MaxValue;
    private long _nextRotation = long.MaxValue;
    private int _sampleCountdown;
    private bool _batchDirty;

    public BoltTask(RunningTopology topology, ComponentRuntime component, int taskId, int index, IBolt bolt)
        : base(topology, component, taskId, index)
    {
        _bolt = bolt;
        _batching = bolt as IBatchingBolt;
        _tracker = bolt as ITupleTracker;
        _data = new Inbox<StreamTuple>(topology.Config.ReceiveBufferSize, () => topology.Abandoned);
        _routes = new TaskRoutes(component.Id, component.Routes);
        _reliable = topology.Config.Ackers > 0;
        _rotationPeriod = (long)(topology.Config.MessageTimeoutSecs * (double)Stopwatch.Frequency / 2);
        if (_tracker is not null)
        {
            _tracked = new RotatingMap<TrackedTuple>();
            _immediateAcks = [];
        }
        var definition = component.Definition!;
        if (definition.Configuration.TryGetValue(TopologyConfig.TickTupleFrequencySecs, out var tick) && tick is not null)
        {
            double seconds = Convert.ToDouble(tick, CultureInfo.InvariantCulture);
            if (seconds > 0)
            {
                _tickSeconds = (int)Math.Max(1, Math.Round(seconds));
                _tickPeriod = (long)(seconds * Stopwatch.Frequency);
            }
        }
        double rate = topology.Config.StatsSampleRate;
        _sampleEvery = rate <= 0 ? int.MaxValue : (int)Math.Max(1, Math.Round(1 / rate));
        _sampleCountdown = _sampleEvery;
        Context = new TopologyContext(topology, definition, taskId, index);
    }

    public TopologyContext Context { get; }

    public IBolt Bolt => _bolt;

    public override Inbox<StreamTuple> Data => _data;

    /// <summary>Trees this bolt rooted that are not complete yet.</summary>
    public int TrackedPending => _tracked?.Count ?? 0;

    protected override void OnStart()
    {
        long now = Stopwatch.GetTimestamp();
        if (_tickPeriod > 0)
        {
            _nextTick = now + _tickPeriod;
        }
        if (_tracked is not null)
            _nextRotation = now + _rotationPeriod;
        _bolt.Prepare(Context, this);
    }

    public override int RunSlice(long now)
    {
        int work = _tracked is not null ? DrainControl() : 0;
        int n = _data.Drain(_batch);
        for (int i = 0; i < n; i++)
        {
            var tuple = _batch[i];
            _batch[i] = null!;
            Execute(tuple);
        }
        if (n > 0)
            _batchDirty = true;
        if (_immediateAcks is { Count: > 0 })
            DeliverImmediateAcks();
        if (_batchDirty && _batching is not null && _data.Count == 0)
        {
            _batchDirty = false;
            try
            {
                _batching.FlushBatch();
            }
            catch (Exception ex)
            {
                ReportError(ex, "FlushBatch");
            }
        }
        return work + n;
    }

    private void Execute(StreamTuple tuple)
    {
        bool sample = --_sampleCountdown <= 0;
        long started = 0;
        if (sample)
        {
            _sampleCountdown = _sampleEvery;
            started = Stopwatch.GetTimestamp();
            tuple.ExecuteStarted = started;
        }
        try
        {
            _bolt.Execute(tuple);
        }
        catch (Exception ex)
        {
            ReportError(ex, "Execute");
            if (tuple.AckState == 0)
                Fail(tuple);
        }
        Stats.ExecutedCount++;
        if (sample)
            Stats.ExecuteLatency.RecordTicks(Stopwatch.GetTimestamp() - started);
    }

    public override long NextDue => Math.Min(_nextTick, _nextRotation);

    public override void OnTimer(long now)
    {
        if (now >= _nextTick)
        {
            _nextTick = now + _tickPeriod;
            Execute(StreamTuple.NewTick(_tickSeconds));
            if (_immediateAcks is { Count: > 0 })
                DeliverImmediateAcks();
        }
        if (now >= _nextRotation)
        {
            _nextRotation = now + _rotationPeriod;
            foreach (var (_, expired) in _tracked!.Rotate())
                TrackerCallback(expired.MessageId, acked: false);
        }
    }

    private int DrainControl()
    {
        int total = 0;
        int n;
        while ((n = Control.Drain(_control)) > 0)
        {
            total += n;
            for (int i = 0; i < n; i++)
            {
                var m = _control[i];
                switch (m.Kind)
                {
                    case ControlKind.TreeAcked when _tracked!.Remove(m.Root, out var acked):
                        TrackerCallback(acked.MessageId, acked: true);
                        break;
                    case ControlKind.TreeFailed when _tracked!.Remove(m.Root, out var failed):
                        TrackerCallback(failed.MessageId, acked: false);
                        break;
                    case ControlKind.TreeReset:
                        _tracked!.Touch(m.Root);
                        break;
                }
            }
            if (n < _control.Length)
                break;
        }
        return total;
    }

    private void TrackerCallback(object messageId, bool acked)
    {
        try
        {
            if (acked)
                _tracker!.Ack(messageId);
            else
                _tracker!.Fail(messageId);
        }
        catch (Exception ex)
        {
            ReportError(ex, acked ? "Ack" : "Fail");
        }
    }

    private void DeliverImmediateAcks()
    {
        var ids = _immediateAcks!.ToArray();
        _immediateAcks!.Clear();
        foreach (var id in ids)
            TrackerCallback(id, acked: true);
    }

    public override void Shutdown() => _bolt.Cleanup();

    // ---- IOutputCollector ----

    public void Emit(Values values) => Emit(TopologyConstants.DefaultStream, (StreamTuple?)null, values);

    public void Emit(StreamTuple anchor, Values values) => Emit(TopologyConstants.DefaultStream, anchor, values);

    public void Emit(string streamId, StreamTuple? anchor, Values values)
    {
        var route = Regular(streamId);
        _targets.Clear();
        route.Choose(values.Items, _targets);
        Send(route.Route.Schema, values.Items, anchor, null);
    }

    public void Emit(string streamId, IReadOnlyList<StreamTuple> anchors, Values values)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        var route = Regular(streamId);
        _targets.Clear();
        route.Choose(values.Items, _targets);
        Send(route.Route.Schema, values.Items, null, anchors);
    }

    public void EmitDirect(int taskId, string streamId, StreamTuple? anchor, Values values)
    {
        var route = Direct(streamId);
        _targets.Clear();
        route.ChooseDirect(taskId, _targets);
        Send(route.Route.Schema, values.Items, anchor, null);
    }

    public void EmitDirect(int taskId, string streamId, IReadOnlyList<StreamTuple> anchors, Values values)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        var route = Direct(streamId);
        _targets.Clear();
        route.ChooseDirect(taskId, _targets);
        Send(route.Route.Schema, values.Items, null, anchors);
    }

    public void EmitTracked(string streamId, Values values, object messageId)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        if (_tracker is null)
            throw new InvalidOperationException($"{Component.Id}: EmitTracked needs the bolt to implement ITupleTracker");
        var route = Regular(streamId);
        _targets.Clear();
        route.Choose(values.Items, _targets);
        var schema = route.Route.Schema;
        CheckArity(schema, values.Items);
        long root = _reliable ? TupleIds.Next() : 0;
        long xor = 0;
        foreach (int target in _targets)
        {
            var tuple = new StreamTuple(schema, TaskId, values.Items, null);
            if (root != 0)
            {
                long id = TupleIds.Next();
                tuple.AddAnchor(root, id);
                xor ^= id;
            }
            Executor.SendData(target, tuple);
        }
        if (root != 0)
        {
            _tracked!.Add(root, new TrackedTuple(messageId));
            SendToAcker(ControlKind.Init, root, xor);
        }
        else
        {
            _immediateAcks!.Add(messageId);
        }
        Stats.EmittedCount++;
        Stats.TransferredCount += _targets.Count;
    }

    private TaskRoutes.Entry Regular(string streamId)
    {
        var route = _routes.Get(streamId);
        if (route.Route.Schema.Direct)
            throw new InvalidOperationException($"{Component.Id}: stream {streamId} is direct; use EmitDirect");
        return route;
    }

    private TaskRoutes.Entry Direct(string streamId)
    {
        var route = _routes.Get(streamId);
        if (!route.Route.Schema.Direct)
            throw new InvalidOperationException($"{Component.Id}: stream {streamId} is not direct; use Emit");
        return route;
    }

    private void CheckArity(StreamSchema schema, object?[] values)
    {
        if (values.Length != schema.Fields.Count)
            throw new ArgumentException($"{Component.Id}: {values.Length} values emitted on stream {schema.StreamId}, which declares {schema.Fields.Count} fields {schema.Fields}");
    }

    private void Send(StreamSchema schema, object?[] values, StreamTuple? anchor, IReadOnlyList<StreamTuple>? anchors)
    {
        CheckArity(schema, values);
        TupleSource? source = null;
        var single = anchor ?? (anchors is { Count: 1 } ? anchors[0] : null);
        if (single?.Source is { } lineage)
            source = lineage.Derive(single.EmitOrdinal++);
        bool reliable = _reliable && (anchor is { AnchorCount: > 0 } || (anchors is not null && AnyAnchored(anchors)));
        foreach (int target in _targets)
        {
            var tuple = new StreamTuple(schema, TaskId, values, source);
            if (reliable)
            {
                if (anchor is not null)
                    Link(anchor, tuple);
                else
                {
                    foreach (var a in anchors!)
                        Link(a, tuple);
                }
            }
            Executor.SendData(target, tuple);
        }
        Stats.EmittedCount++;
        Stats.TransferredCount += _targets.Count;
    }

    private static bool AnyAnchored(IReadOnlyList<StreamTuple> anchors)
    {
        for (int i = 0; i < anchors.Count; i++)
        {
            if (anchors[i].AnchorCount > 0)
                return true;
        }
        return false;
    }

    /// <summary>One new random id per anchor and destination: XORed into the anchor's ack value and into the new
    /// tuple's id for each of the anchor's roots.</summary>
    private static void Link(StreamTuple anchor, StreamTuple tuple)
    {
        int count = anchor.AnchorCount;
        if (count == 0)
            return;
        long id = TupleIds.Next();
        anchor.AckVal ^= id;
        for (int i = 0; i < count; i++)
            tuple.AddAnchor(anchor.GetRoot(i), id);
    }

    public void Ack(StreamTuple input)
    {
        if (input.AckState != 0)
            return;
        input.AckState = 1;
        if (_reliable)
        {
            for (int i = 0; i < input.AnchorCount; i++)
                SendToAcker(ControlKind.Ack, input.GetRoot(i), input.GetId(i) ^ input.AckVal);
        }
        Stats.AckedCount++;
        if (input.ExecuteStarted != 0)
            Stats.ProcessLatency.RecordTicks(Stopwatch.GetTimestamp() - input.ExecuteStarted);
    }

    public void Fail(StreamTuple input)
    {
        if (input.AckState != 0)
            return;
        input.AckState = 2;
        if (_reliable)
        {
            for (int i = 0; i < input.AnchorCount; i++)
                SendToAcker(ControlKind.Fail, input.GetRoot(i), 0);
        }
        Stats.FailedCount++;
    }

    public void ResetTimeout(StreamTuple input)
    {
        if (!_reliable)
            return;
        for (int i = 0; i < input.AnchorCount; i++)
            SendToAcker(ControlKind.Reset, input.GetRoot(i), 0);
    }

    public void ReportError(Exception error) => ReportError(error, "reported");

    private readonly record struct TrackedTuple(object MessageId);
}
