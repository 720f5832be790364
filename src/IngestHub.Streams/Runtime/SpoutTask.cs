using System.Diagnostics;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// Runs one spout task: calls NextTuple while the task may emit (active, fewer than max.spout.pending pending),
/// roots a tracked tree per emit with a message id (random 64-bit root id, one random id per destination, an
/// init message to the root's acker), and turns the acker's verdicts and its own timeouts into Ack/Fail calls.
/// </summary>
internal sealed class SpoutTask : TaskRuntime, ISpoutOutputCollector
{
    private const int NextTupleBudget = 256;
    private static readonly long s_emptyBackoff = Stopwatch.Frequency / 1000;

    private readonly ISpout _spout;
    private readonly TaskRoutes _routes;
    private readonly RotatingMap<PendingTuple> _pending = new();
    private readonly List<int> _targets = [];
    private readonly List<object> _immediateAcks = [];
    private readonly ControlMessage[] _control = new ControlMessage[1024];
    private readonly bool _reliable;
    private readonly int? _maxPending;
    private readonly long _rotationPeriod;
    private readonly IPeriodicSpout? _periodic;
    private readonly long _periodicTicks;
    private long _nextRotation;
    private long _nextPeriodic = long.MaxValue;
    private long _nextCall;
    private int _emptyStreak;
    private long _emits;
    private bool _active;
    private volatile bool _desiredActive = true;

    public SpoutTask(RunningTopology topology, ComponentRuntime component, int taskId, int index, ISpout spout)
        : base(topology, component, taskId, index)
    {
        _spout = spout;
        _routes = new TaskRoutes(component.Id, component.Routes);
        _reliable = topology.Config.Ackers > 0;
        _maxPending = topology.Config.MaxSpoutPending;
        if (component.Definition!.Configuration.TryGetValue(TopologyConfig.MaxSpoutPendingKey, out var own) && own is not null)
            _maxPending = TopologyConfig.ToInt(TopologyConfig.MaxSpoutPendingKey, own, 1, 100_000_000);
        _rotationPeriod = (long)(topology.Config.MessageTimeoutSecs * (double)Stopwatch.Frequency / 2);
        _periodic = spout as IPeriodicSpout;
        if (_periodic is not null)
            _periodicTicks = Math.Max(1, (long)(_periodic.Period.TotalSeconds * Stopwatch.Frequency));
        Context = new TopologyContext(topology, component.Definition, taskId, index);
    }

    public TopologyContext Context { get; }

    public ISpout Spout => _spout;

    public int Pending => _pending.Count;

    public int? MaxPending => _maxPending;

    /// <summary>Set from any thread; applied (Activate/Deactivate) on the executor's thread.</summary>
    public bool DesiredActive
    {
        get => _desiredActive;
        set
        {
            _desiredActive = value;
            Executor?.Wake();
        }
    }

    protected override void OnStart()
    {
        _nextRotation = Stopwatch.GetTimestamp() + _rotationPeriod;
        if (_periodic is not null)
            _nextPeriodic = Stopwatch.GetTimestamp() + _periodicTicks;
        _spout.Open(Context, this);
        if (_desiredActive)
        {
            _active = true;
            _spout.Activate();
        }
    }

    public override int RunSlice(long now)
    {
        int work = DrainControl(now);
        if (_active != _desiredActive)
        {
            _active = _desiredActive;
            try
            {
                if (_active)
                    _spout.Activate();
                else
                    _spout.Deactivate();
            }
            catch (Exception ex)
            {
                ReportError(ex, _active ? "Activate" : "Deactivate");
            }
            work++;
        }
        if (!_active || now < _nextCall)
            return work;
        for (int i = 0; i < NextTupleBudget && CanEmit; i++)
        {
            long before = _emits;
            try
            {
                _spout.NextTuple();
            }
            catch (Exception ex)
            {
                ReportError(ex, "NextTuple");
            }
            if (_immediateAcks.Count > 0)
                DeliverImmediateAcks();
            if (_emits == before)
            {
                // Storm's progressive wait: retry at once a few times, then 1 ms apart.
                if (++_emptyStreak > 8)
                    _nextCall = now + s_emptyBackoff;
                break;
            }
            _emptyStreak = 0;
            work++;
        }
        return work;
    }

    private bool CanEmit => !_reliable || _maxPending is not int max || _pending.Count < max;

    public override long NextDue => Math.Min(_nextPeriodic, _active && CanEmit ? Math.Min(_nextCall, _nextRotation) : _nextRotation);

    public override bool HasWork(long now) => Control.Count > 0 || _active != _desiredActive || (_active && CanEmit && now >= _nextCall);

    public override void OnTimer(long now)
    {
        if (now >= _nextPeriodic)
        {
            _nextPeriodic = now + _periodicTicks;
            try
            {
                _periodic!.Periodic();
            }
            catch (Exception ex)
            {
                ReportError(ex, "Periodic");
            }
        }
        if (now < _nextRotation)
            return;
        _nextRotation = now + _rotationPeriod;
        var expired = _pending.Rotate();
        foreach (var (_, pending) in expired)
        {
            Stats.FailedCount++;
            try
            {
                _spout.Fail(pending.MessageId);
            }
            catch (Exception ex)
            {
                ReportError(ex, "Fail");
            }
        }
    }

    private int DrainControl(long now)
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
                    case ControlKind.TreeAcked when _pending.Remove(m.Root, out var acked):
                        Stats.AckedCount++;
                        Stats.CompleteLatency.RecordTicks(now - acked.EmittedAt);
                        try
                        {
                            _spout.Ack(acked.MessageId);
                        }
                        catch (Exception ex)
                        {
                            ReportError(ex, "Ack");
                        }
                        break;
                    case ControlKind.TreeFailed when _pending.Remove(m.Root, out var failed):
                        Stats.FailedCount++;
                        try
                        {
                            _spout.Fail(failed.MessageId);
                        }
                        catch (Exception ex)
                        {
                            ReportError(ex, "Fail");
                        }
                        break;
                    case ControlKind.TreeReset:
                        _pending.Touch(m.Root);
                        break;
                }
            }
            if (n < _control.Length)
                break;
        }
        return total;
    }

    private void DeliverImmediateAcks()
    {
        foreach (var id in _immediateAcks)
        {
            Stats.AckedCount++;
            try
            {
                _spout.Ack(id);
            }
            catch (Exception ex)
            {
                ReportError(ex, "Ack");
            }
        }
        _immediateAcks.Clear();
    }

    public override void Shutdown()
    {
        if (_active)
        {
            _active = false;
            _spout.Deactivate();
        }
        _spout.Close();
        (_spout as IDisposable)?.Dispose();
    }

    // ---- ISpoutOutputCollector ----

    public void Emit(Values values, object? messageId = null) => Emit(TopologyConstants.DefaultStream, values, messageId, null);

    public void Emit(string streamId, Values values, object? messageId = null) => Emit(streamId, values, messageId, null);

    public void Emit(string streamId, Values values, object? messageId, TupleSource? source)
    {
        var route = _routes.Get(streamId);
        if (route.Route.Schema.Direct)
            throw new InvalidOperationException($"{Component.Id}: stream {streamId} is direct; use EmitDirect");
        _targets.Clear();
        route.Choose(values.Items, _targets);
        Send(route.Route.Schema, values.Items, messageId, source);
    }

    public void EmitDirect(int taskId, string streamId, Values values, object? messageId = null)
    {
        var route = _routes.Get(streamId);
        if (!route.Route.Schema.Direct)
            throw new InvalidOperationException($"{Component.Id}: stream {streamId} is not direct; use Emit");
        _targets.Clear();
        route.ChooseDirect(taskId, _targets);
        Send(route.Route.Schema, values.Items, messageId, null);
    }

    private void Send(StreamSchema schema, object?[] values, object? messageId, TupleSource? source)
    {
        if (values.Length != schema.Fields.Count)
            throw new ArgumentException($"{Component.Id}: {values.Length} values emitted on stream {schema.StreamId}, which declares {schema.Fields.Count} fields {schema.Fields}");
        long root = messageId is not null && _reliable ? TupleIds.Next() : 0;
        long xor = 0;
        foreach (int target in _targets)
        {
            var tuple = new StreamTuple(schema, TaskId, values, source);
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
            _pending.Add(root, new PendingTuple(messageId!, Stopwatch.GetTimestamp()));
            SendToAcker(ControlKind.Init, root, xor);
        }
        else if (messageId is not null)
        {
            _immediateAcks.Add(messageId);
        }
        Stats.EmittedCount++;
        Stats.TransferredCount += _targets.Count;
        _emits++;
    }

    public void ReportError(Exception error) => ReportError(error, "reported");

    private readonly record struct PendingTuple(object MessageId, long EmittedAt);
}
