using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// One executor thread running a fixed set of tasks of one component. Each loop runs every task's ready work,
/// fires due timers, then hands the tuples it emitted to their destinations in batches (one lock per batch and
/// destination). With nothing to do it sleeps until an inbox of its tasks goes non-empty or a timer is due.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The wake event never hands out its WaitHandle, so it owns no OS handle; producers may still Set it after the executor stopped, which a disposed event would turn into an exception.")]
internal sealed class Executor
{
    private static readonly long s_maxSleepTicks = Stopwatch.Frequency / 10;

    private readonly RunningTopology _topology;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _wake = new(false, 20);
    private readonly int _batchSize;
    private readonly StreamTuple[]?[] _data;
    private readonly int[] _dataCount;
    private readonly ControlMessage[]?[] _control;
    private readonly int[] _controlCount;
    private readonly List<int> _dirtyData = [];
    private readonly List<int> _dirtyControl = [];
    private volatile bool _stop;
    private bool _shutdownTasks;
    private int _sleeping;
    private long _busyTicks;

    public Executor(RunningTopology topology, ComponentRuntime component, int index, TaskRuntime[] tasks)
    {
        _topology = topology;
        Component = component;
        Index = index;
        Tasks = tasks;
        _batchSize = topology.Config.TransferBatchSize;
        int slots = topology.TaskCount + 1;
        _data = new StreamTuple[]?[slots];
        _dataCount = new int[slots];
        _control = new ControlMessage[]?[slots];
        _controlCount = new int[slots];
        _thread = new Thread(Run)
        {
            IsBackground = true,
            Name = $"{topology.Name}/{component.Id}#{index}",
        };
    }

    public ComponentRuntime Component { get; }

    public int Index { get; }

    public TaskRuntime[] Tasks { get; }

    /// <summary>Stopwatch ticks spent doing work (for capacity).</summary>
    public long BusyTicks => Volatile.Read(ref _busyTicks);

    public Task Exited => _exited.Task;

    public void Start()
    {
        foreach (var task in Tasks)
        {
            task.Executor = this;
            task.Control.Consumer = this;
            if (task.Data is { } data)
                data.Consumer = this;
        }
        _thread.Start();
    }

    /// <summary>Stops after the current loop (outputs flushed); with <paramref name="shutdownTasks"/> the tasks'
    /// Close/Cleanup run first.</summary>
    public Task StopAsync(bool shutdownTasks)
    {
        _shutdownTasks = shutdownTasks;
        _stop = true;
        _wake.Set();
        return _exited.Task;
    }

    /// <summary>Called by producers after an inbox of this executor's tasks became non-empty.</summary>
    public void Wake()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping) != 0)
            _wake.Set();
    }

    public void SendData(int task, StreamTuple tuple)
    {
        var buffer = _data[task] ??= new StreamTuple[_batchSize];
        int n = _dataCount[task];
        if (n == 0)
            _dirtyData.Add(task);
        buffer[n++] = tuple;
        _dataCount[task] = n;
        if (n == buffer.Length)
            FlushData(task);
    }

    public void SendControl(int task, in ControlMessage message)
    {
        var buffer = _control[task] ??= new ControlMessage[Math.Max(_batchSize, 128)];
        int n = _controlCount[task];
        if (n == 0)
            _dirtyControl.Add(task);
        buffer[n++] = message;
        _controlCount[task] = n;
        if (n == buffer.Length)
            FlushControl(task);
    }

    /// <summary>Hands every buffered tuple and message to its destination inbox.</summary>
    public void Flush()
    {
        for (int i = 0; i < _dirtyControl.Count; i++)
            FlushControl(_dirtyControl[i]);
        _dirtyControl.Clear();
        for (int i = 0; i < _dirtyData.Count; i++)
            FlushData(_dirtyData[i]);
        _dirtyData.Clear();
    }

    private void FlushData(int task)
    {
        int n = _dataCount[task];
        if (n == 0)
            return;
        var buffer = _data[task]!;
        // Control first: acks that let a spout emit more must not wait behind a full data inbox.
        if (_dirtyControl.Count > 0)
        {
            for (int i = 0; i < _dirtyControl.Count; i++)
                FlushControl(_dirtyControl[i]);
        }
        _topology.Task(task).Data!.Offer(buffer.AsSpan(0, n));
        Array.Clear(buffer, 0, n);
        _dataCount[task] = 0;
    }

    private void FlushControl(int task)
    {
        int n = _controlCount[task];
        if (n == 0)
            return;
        _topology.Task(task).Control.Offer(_control[task].AsSpan(0, n));
        _controlCount[task] = 0;
    }

    private void Run()
    {
        try
        {
            foreach (var task in Tasks)
            {
                if (!task.Started)
                {
                    try
                    {
                        task.Start();
                    }
                    catch (Exception ex)
                    {
                        _topology.OnTaskStartFailed(task, ex);
                        return;
                    }
                }
            }
            _topology.OnExecutorStarted();
            while (!_stop)
            {
                long start = Stopwatch.GetTimestamp();
                int work = 0;
                foreach (var task in Tasks)
                    work += task.RunSlice(start);
                foreach (var task in Tasks)
                {
                    if (start >= task.NextDue)
                    {
                        task.OnTimer(start);
                        work++;
                    }
                }
                Flush();
                long end = Stopwatch.GetTimestamp();
                if (work > 0)
                    Volatile.Write(ref _busyTicks, _busyTicks + (end - start));
                else
                    Sleep(end);
            }
            Flush();
            if (_shutdownTasks)
            {
                foreach (var task in Tasks)
                {
                    try
                    {
                        task.Shutdown();
                    }
                    catch (Exception ex)
                    {
                        _topology.Logger.LogWarning(ex, "Topology {Topology}: {Component} task {Task} failed to shut down", _topology.Name, Component.Id, task.TaskId);
                    }
                }
                Flush();
            }
        }
        catch (Exception ex)
        {
            _topology.OnExecutorCrashed(this, ex);
        }
        finally
        {
            _exited.TrySetResult();
        }
    }

    private void Sleep(long now)
    {
        long due = now + s_maxSleepTicks;
        foreach (var task in Tasks)
            due = Math.Min(due, task.NextDue);
        if (due <= now)
            return;
        _wake.Reset();
        Interlocked.Exchange(ref _sleeping, 1);
        bool ready = _stop;
        foreach (var task in Tasks)
            ready |= task.HasWork(now);
        if (!ready)
        {
            int ms = (int)Math.Max(1, (due - now) * 1000 / Stopwatch.Frequency);
            _wake.Wait(ms);
        }
        Volatile.Write(ref _sleeping, 0);
    }
}
