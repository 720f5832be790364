using System.Diagnostics;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// Storm's acker: per pending tree, the XOR of every tuple id created or acked in it and the task that rooted it
/// (24 bytes). The XOR reaching zero completes the tree (Ack to the rooting task); a fail fails it at once. Entries
/// live in a rotating map: trees the spout has already timed out are dropped silently.
/// </summary>
internal sealed class AckerTask : TaskRuntime
{
    private readonly RotatingMap<Entry> _pending = new();
    private readonly ControlMessage[] _batch = new ControlMessage[4096];
    private readonly long _rotationPeriod;
    private long _nextRotation;

    public AckerTask(RunningTopology topology, ComponentRuntime component, int taskId, int index)
        : base(topology, component, taskId, index)
    {
        _rotationPeriod = (long)(topology.Config.MessageTimeoutSecs * (double)Stopwatch.Frequency / 2);
    }

    public int Pending => _pending.Count;

    protected override void OnStart() => _nextRotation = Stopwatch.GetTimestamp() + _rotationPeriod;

    public override int RunSlice(long now)
    {
        int total = 0;
        for (int round = 0; round < 4; round++)
        {
            int n = Control.Drain(_batch);
            if (n == 0)
                break;
            total += n;
            for (int i = 0; i < n; i++)
                Process(_batch[i]);
        }
        Stats.ExecutedCount += total;
        return total;
    }

    private void Process(in ControlMessage m)
    {
        switch (m.Kind)
        {
            case ControlKind.Init:
            {
                ref var e = ref _pending.GetOrAdd(m.Root, out _);
                e.Xor ^= m.Value;
                e.Task = m.Task;
                if (e.Failed)
                    Complete(m.Root, e.Task, acked: false);
                else if (e.Xor == 0)
                    Complete(m.Root, e.Task, acked: true);
                break;
            }
            case ControlKind.Ack:
            {
                ref var e = ref _pending.GetOrAdd(m.Root, out _);
                e.Xor ^= m.Value;
                if (e.Task != 0 && e.Xor == 0 && !e.Failed)
                    Complete(m.Root, e.Task, acked: true);
                break;
            }
            case ControlKind.Fail:
            {
                ref var e = ref _pending.GetOrAdd(m.Root, out _);
                e.Failed = true;
                if (e.Task != 0)
                    Complete(m.Root, e.Task, acked: false);
                break;
            }
            case ControlKind.Reset:
            {
                if (_pending.Touch(m.Root))
                {
                    ref var e = ref _pending.GetOrAdd(m.Root, out _);
                    if (e.Task != 0)
                        Executor.SendControl(e.Task, new ControlMessage(ControlKind.TreeReset, m.Root, 0, TaskId));
                }
                break;
            }
        }
    }

    private void Complete(long root, int task, bool acked)
    {
        _pending.Remove(root, out _);
        Executor.SendControl(task, new ControlMessage(acked ? ControlKind.TreeAcked : ControlKind.TreeFailed, root, 0, TaskId));
        if (acked)
            Stats.AckedCount++;
        else
            Stats.FailedCount++;
    }

    public override long NextDue => _nextRotation;

    public override void OnTimer(long now)
    {
        if (now < _nextRotation)
            return;
        _nextRotation = now + _rotationPeriod;
        _pending.Rotate();
    }

    public override void Shutdown()
    {
    }

    private struct Entry
    {
        public long Xor;
        public int Task;
        public bool Failed;
    }
}
