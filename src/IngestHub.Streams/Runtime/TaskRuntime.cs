using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// One task: its inboxes, counters and the executor currently running it. Everything but the inboxes is touched
/// only by that executor's thread; a rebalance hands the task to another executor after the first has stopped.
/// </summary>
internal abstract class TaskRuntime
{
    private static readonly long s_errorLogInterval = Stopwatch.Frequency * 10;
    private long _lastErrorLog = -s_errorLogInterval;
    private int _suppressedErrors;

    protected TaskRuntime(RunningTopology topology, ComponentRuntime component, int taskId, int index)
    {
        Topology = topology;
        Component = component;
        TaskId = taskId;
        Index = index;
        Control = new Inbox<ControlMessage>(int.MaxValue, () => topology.Abandoned);
    }

    public RunningTopology Topology { get; }

    public ComponentRuntime Component { get; }

    public int TaskId { get; }

    public int Index { get; }

    public TaskStats Stats { get; } = new();

    /// <summary>Acking-protocol messages for this task (unbounded).</summary>
    public Inbox<ControlMessage> Control { get; }

    /// <summary>Data tuples for this task (bounded), null for spouts and ackers.</summary>
    public virtual Inbox<StreamTuple>? Data => null;

    /// <summary>The executor running this task; set before the executor's thread starts.</summary>
    public Executor Executor { get; set; } = null!;

    public bool Started { get; private set; }

    /// <summary>Open/Prepare, on the executor's thread, once per task lifetime.</summary>
    public void Start()
    {
        Started = true;
        OnStart();
    }

    protected abstract void OnStart();

    /// <summary>Processes what is ready (bounded amount); returns a measure of the work done (0 = idle).</summary>
    public abstract int RunSlice(long now);

    /// <summary>Stopwatch timestamp of this task's next timer (ticks, rotations, retry waits).</summary>
    public virtual long NextDue => long.MaxValue;

    public virtual void OnTimer(long now)
    {
    }

    /// <summary>Whether <see cref="RunSlice"/> would find work now (checked before the executor sleeps).</summary>
    public virtual bool HasWork(long now) => Control.Count > 0 || (Data?.Count ?? 0) > 0;

    /// <summary>Close/Cleanup on the executor's thread when the topology is killed.</summary>
    public abstract void Shutdown();

    /// <summary>Counts the error, shows it on the status and logs it at Warning (at most once per 10 s per task,
    /// with the number of errors in between).</summary>
    public void ReportError(Exception error, string where)
    {
        string message = $"{where}: {error.GetType().Name}: {error.Message}";
        Stats.SetError(message, Topology.Environment.Clock.GetUtcNow());
        long now = Stopwatch.GetTimestamp();
        if (now - _lastErrorLog < s_errorLogInterval)
        {
            _suppressedErrors++;
            return;
        }
        int suppressed = _suppressedErrors;
        _suppressedErrors = 0;
        _lastErrorLog = now;
        Topology.Logger.LogWarning(error, "Topology {Topology}: {Component} task {Task} {Where} failed{More}",
            Topology.Name, Component.Id, TaskId, where, suppressed > 0 ? $" ({suppressed} more errors in the last 10 s)" : "");
    }

    protected void SendToAcker(ControlKind kind, long root, long value) =>
        Executor.SendControl(Topology.AckerTaskFor(root), new ControlMessage(kind, root, value, TaskId));
}
