using System.Diagnostics;
using IngestHub.Streams.Topology;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Runtime;

/// <summary>
/// A topology running in this process: tasks numbered from 1 in component-id order (then the ackers), each
/// component's tasks spread over its executors (threads), bounded inboxes between them. Pause/resume
/// (de)activates the spouts; <see cref="RebalanceAsync"/> changes a component's executors live, keeping its
/// tasks (and so every fields-grouping key's task and every task's state).
/// </summary>
public sealed class RunningTopology : IAsyncDisposable
{
    private readonly List<ComponentRuntime> _components = [];
    private readonly Dictionary<string, ComponentRuntime> _byId = new(StringComparer.Ordinal);
    private readonly TaskRuntime[] _tasks;
    private readonly int[] _ackerTasks;
    private readonly TaskCompletionSource _allStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StatsSampler _sampler;
    private readonly object _stateLock = new();
    private int _executorsToStart;
    private volatile bool _abandoned;
    private TopologyState _state = TopologyState.Active;
    private TopologyState _beforeRebalance = TopologyState.Active;
    private int _rebalancing;
    private string? _error;
    private Task? _killing;

    private RunningTopology(TopologyDefinition definition, TopologyConfig config, TopologyEnvironment environment)
    {
        Definition = definition;
        Config = config;
        Environment = environment;
        Logger = environment.LoggerFactory.CreateLogger("IngestHub.Streams.Topology");
        StartedAt = environment.Clock.GetUtcNow();
        Progress = new TopologyProgress(environment.StateDirectory, Logger);
        DeadLetters = new DeadLetterQueue(definition.Name, config.DeadLetterTopic ?? definition.Name + ".dlq", environment);

        int nextTask = 1;
        foreach (var component in definition.Components.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var runtime = new ComponentRuntime(component.Id, component);
            runtime.TaskIds = [.. Enumerable.Range(nextTask, component.NumTasks)];
            nextTask += component.NumTasks;
            _byId[component.Id] = runtime;
        }
        foreach (var component in definition.Components)
            _components.Add(_byId[component.Id]);
        var acker = new ComponentRuntime(TopologyConstants.AckerComponent, null)
        {
            TaskIds = [.. Enumerable.Range(nextTask, config.Ackers)],
        };
        nextTask += config.Ackers;
        _ackerTasks = acker.TaskIds;
        TaskCount = nextTask - 1;
        _tasks = new TaskRuntime[nextTask];

        foreach (var component in _components)
            component.Routes = BuildRoutes(component);
        foreach (var component in _components)
        {
            var def = component.Definition!;
            var tasks = new TaskRuntime[def.NumTasks];
            for (int i = 0; i < tasks.Length; i++)
            {
                IComponent instance;
                try
                {
                    instance = def.CreateInstance(i);
                }
                catch (Exception ex) when (ex is not InvalidTopologyException)
                {
                    throw new InvalidTopologyException($"{def.Id}: creating task {i} failed: {ex.Message}", ex);
                }
                int taskId = component.TaskIds[i];
                tasks[i] = def.Kind == ComponentKind.Spout
                    ? new SpoutTask(this, component, taskId, i, (ISpout)instance)
                    : new BoltTask(this, component, taskId, i, (IBolt)instance);
                _tasks[taskId] = tasks[i];
            }
            component.Tasks = tasks;
        }
        if (config.Ackers > 0)
        {
            var tasks = new TaskRuntime[config.Ackers];
            for (int i = 0; i < tasks.Length; i++)
            {
                tasks[i] = new AckerTask(this, acker, acker.TaskIds[i], i);
                _tasks[acker.TaskIds[i]] = tasks[i];
            }
            acker.Tasks = tasks;
            _components.Add(acker);
            _byId[acker.Id] = acker;
        }
        _sampler = new StatsSampler(this);
    }

    public string Name => Definition.Name;

    public TopologyDefinition Definition { get; }

    public TopologyConfig Config { get; }

    public TopologyEnvironment Environment { get; }

    public DateTimeOffset StartedAt { get; }

    public DeadLetterQueue DeadLetters { get; }

    public TopologyState State
    {
        get
        {
            lock (_stateLock)
                return _state;
        }
    }

    /// <summary>Why the topology failed, when <see cref="State"/> is <see cref="TopologyState.Failed"/>.</summary>
    public string? Error
    {
        get
        {
            lock (_stateLock)
                return _error;
        }
    }

    internal ILogger Logger { get; }

    internal TopologyProgress Progress { get; }

    internal SourcePartitions SourcePartitions { get; } = new();

    internal int TaskCount { get; }

    internal bool Abandoned => _abandoned;

    internal IEnumerable<ComponentRuntime> Components => _components;

    /// <summary>Validates, creates every task, starts the executors and returns once every task has been opened or
    /// prepared. Throws <see cref="InvalidTopologyException"/> (after stopping what started) when the definition
    /// is refused or a task fails to start.</summary>
    public static async Task<RunningTopology> StartAsync(TopologyDefinition definition, TopologyConfig? config = null,
        TopologyEnvironment? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        config = config?.Clone() ?? new TopologyConfig();
        environment ??= new TopologyEnvironment();
        foreach (var component in definition.Components)
        {
            if (component.Prototype is ISubmitCheck check)
                check.Check(component, config);
        }
        definition.MarkStarted();
        var topology = new RunningTopology(definition, config, environment);
        topology.StartExecutors();
        try
        {
            await topology._allStarted.Task.WaitAsync(cancellationToken);
        }
        catch
        {
            await topology.KillAsync(TimeSpan.Zero);
            throw;
        }
        topology._sampler.Start();
        topology.Logger.LogInformation("Topology {Topology} started: {Components} components, {Tasks} tasks, {Ackers} ackers",
            definition.Name, definition.Components.Count, topology.TaskCount, config.Ackers);
        return topology;
    }

    private void StartExecutors()
    {
        var executors = new List<Executor>();
        foreach (var component in _components)
        {
            int count = component.IsAcker ? component.Tasks.Length : component.Definition!.Parallelism;
            component.Executors = CreateExecutors(component, count);
            executors.AddRange(component.Executors);
        }
        _executorsToStart = executors.Count;
        foreach (var executor in executors)
            executor.Start();
    }

    private List<Executor> CreateExecutors(ComponentRuntime component, int count)
    {
        var list = new List<Executor>(count);
        int tasks = component.Tasks.Length;
        for (int i = 0; i < count; i++)
        {
            int from = i * tasks / count;
            int to = (i + 1) * tasks / count;
            list.Add(new Executor(this, component, i, component.Tasks[from..to]));
        }
        return list;
    }

    private Dictionary<string, StreamRoute> BuildRoutes(ComponentRuntime source)
    {
        var routes = new Dictionary<string, StreamRoute>(StringComparer.Ordinal);
        foreach (var (streamId, schema) in source.Definition!.Streams)
        {
            var subscriptions = new List<Subscription>();
            foreach (var target in _components)
            {
                foreach (var input in target.Definition!.Inputs)
                {
                    if (input.SourceComponent != source.Id || input.StreamId != streamId)
                        continue;
                    int[]? indexes = input.Grouping.Kind == GroupingKind.Fields ? schema.Fields.IndexesOf(input.Grouping.Fields!) : null;
                    subscriptions.Add(new Subscription(target.Id, target.TaskIds, input.Grouping.Kind, indexes));
                }
            }
            routes[streamId] = new StreamRoute(schema, [.. subscriptions]);
        }
        return routes;
    }

    internal TaskRuntime Task(int taskId) => _tasks[taskId];

    internal int AckerTaskFor(long root) => _ackerTasks[(int)((ulong)root % (ulong)_ackerTasks.Length)];

    internal IReadOnlyList<int> TaskIdsOf(string componentId) =>
        _byId.TryGetValue(componentId, out var c) ? c.TaskIds : throw new ArgumentException($"no component '{componentId}'", nameof(componentId));

    internal string? ComponentOf(int taskId) => taskId > 0 && taskId < _tasks.Length ? _tasks[taskId].Component.Id : null;

    internal void OnExecutorStarted()
    {
        if (Interlocked.Decrement(ref _executorsToStart) == 0)
            _allStarted.TrySetResult();
    }

    internal void OnTaskStartFailed(TaskRuntime task, Exception error)
    {
        string what = task is SpoutTask ? "Open" : "Prepare";
        string message = $"{task.Component.Id} task {task.TaskId}: {what} failed: {error.Message}";
        Logger.LogError(error, "Topology {Topology}: {Message}", Name, message);
        task.Stats.SetError(message, Environment.Clock.GetUtcNow());
        Fail(message);
        _allStarted.TrySetException(new InvalidTopologyException(message, error));
    }

    internal void OnExecutorCrashed(Executor executor, Exception error)
    {
        string message = $"executor {executor.Component.Id}#{executor.Index} stopped: {error.GetType().Name}: {error.Message}";
        Logger.LogError(error, "Topology {Topology}: {Message}", Name, message);
        Fail(message);
    }

    private void Fail(string message)
    {
        lock (_stateLock)
        {
            if (_state is TopologyState.Killed or TopologyState.Failed)
                return;
            _state = TopologyState.Failed;
            _error = message;
            // Stop everything else; the host shows FAILED with the reason and can restart the topology.
            _killing ??= System.Threading.Tasks.Task.Run(() => StopAllAsync(TimeSpan.Zero));
        }
    }

    /// <summary>Deactivates the spouts: NextTuple is no longer called; tuples in flight complete.</summary>
    public void Pause() => SetActive(false);

    /// <summary>Activates the spouts again.</summary>
    public void Resume() => SetActive(true);

    private void SetActive(bool active)
    {
        lock (_stateLock)
        {
            if (_state is TopologyState.Killed or TopologyState.Failed)
                throw new InvalidOperationException($"topology {Name} is {_state.ToString().ToUpperInvariant()}");
            if (_state == TopologyState.Rebalancing)
                _beforeRebalance = active ? TopologyState.Active : TopologyState.Inactive;
            else
                _state = active ? TopologyState.Active : TopologyState.Inactive;
        }
        foreach (var component in _components)
        {
            foreach (var task in component.Tasks)
            {
                if (task is SpoutTask spout)
                    spout.DesiredActive = active;
            }
        }
    }

    public int ExecutorsOf(string componentId) => Component(componentId).Executors.Count;

    public int TasksOf(string componentId) => Component(componentId).Tasks.Length;

    /// <summary>The task instances of a component (for diagnostics; call their members only if they are thread-safe).</summary>
    public IReadOnlyList<IComponent> InstancesOf(string componentId) =>
        [.. Component(componentId).Tasks.Select(t => t switch
        {
            SpoutTask s => (IComponent)s.Spout,
            BoltTask b => b.Bolt,
            _ => throw new InvalidOperationException("the acker has no instances"),
        })];

    /// <summary>Every component id, the acker's included.</summary>
    public IReadOnlyList<string> ComponentIds => [.. _components.Select(c => c.Id)];

    /// <summary>The counters and latency histograms of a component's tasks (live objects; read them, do not keep them).</summary>
    public IReadOnlyList<TaskStats> TaskStatsOf(string componentId) => [.. Component(componentId).Tasks.Select(t => t.Stats)];

    private ComponentRuntime Component(string componentId) =>
        _byId.TryGetValue(componentId, out var c) ? c : throw new ArgumentException($"topology {Name} has no component '{componentId}'", nameof(componentId));

    /// <summary>Changes the executors (threads) of a component to <paramref name="executors"/> (1 … task count):
    /// its executors finish their current work and stop, then new ones take over the same tasks.</summary>
    public async Task RebalanceAsync(string componentId, int executors, CancellationToken cancellationToken = default)
    {
        var component = Component(componentId);
        if (component.IsAcker)
            throw new ArgumentException("the acker's executors are fixed", nameof(componentId));
        if (executors < 1 || executors > component.Tasks.Length)
            throw new ArgumentOutOfRangeException(nameof(executors), executors, $"{componentId} has {component.Tasks.Length} tasks: executors must be between 1 and {component.Tasks.Length}");
        await component.RebalanceGate.WaitAsync(cancellationToken);
        try
        {
            if (component.Executors.Count == executors)
                return;
            lock (_stateLock)
            {
                if (_state is TopologyState.Killed or TopologyState.Failed)
                    throw new InvalidOperationException($"topology {Name} is {_state.ToString().ToUpperInvariant()}");
                if (_rebalancing++ == 0)
                {
                    _beforeRebalance = _state;
                    _state = TopologyState.Rebalancing;
                }
            }
            try
            {
                var old = component.Executors;
                await System.Threading.Tasks.Task.WhenAll(old.Select(e => e.StopAsync(shutdownTasks: false)));
                var next = CreateExecutors(component, executors);
                component.Executors = next;
                foreach (var executor in next)
                    executor.Start();
                Logger.LogInformation("Topology {Topology}: {Component} rebalanced from {Old} to {New} executors ({Tasks} tasks)",
                    Name, componentId, old.Count, executors, component.Tasks.Length);
            }
            finally
            {
                lock (_stateLock)
                {
                    if (--_rebalancing == 0 && _state == TopologyState.Rebalancing)
                        _state = _beforeRebalance;
                }
            }
        }
        finally
        {
            component.RebalanceGate.Release();
        }
    }

    /// <summary>Deactivates the spouts, waits up to <paramref name="wait"/> for pending trees to complete, then
    /// stops every executor (Close/Cleanup on their threads). In-flight tuples after the wait are dropped (their
    /// sources replay them).</summary>
    public Task KillAsync(TimeSpan wait)
    {
        lock (_stateLock)
        {
            if (_state != TopologyState.Failed)
                _state = TopologyState.Killed;
            _killing ??= StopAllAsync(wait);
            return _killing;
        }
    }

    private async Task StopAllAsync(TimeSpan wait)
    {
        foreach (var component in _components)
        {
            foreach (var task in component.Tasks)
            {
                if (task is SpoutTask spout)
                    spout.DesiredActive = false;
            }
        }
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && PendingTotal() > 0)
            await System.Threading.Tasks.Task.Delay(20);
        _abandoned = true;
        // Spouts first (their Close commits what completed), then bolts, then the ackers.
        await StopGroupAsync(_components.Where(c => c.Definition?.Kind == ComponentKind.Spout));
        await StopGroupAsync(_components.Where(c => c.Definition?.Kind == ComponentKind.Bolt));
        await StopGroupAsync(_components.Where(c => c.IsAcker));
        _sampler.Dispose();
        await DeadLetters.DisposeAsync();
        Logger.LogInformation("Topology {Topology} stopped", Name);
    }

    private async Task StopGroupAsync(IEnumerable<ComponentRuntime> components)
    {
        var executors = components.SelectMany(c => c.Executors).ToList();
        var stopping = System.Threading.Tasks.Task.WhenAll(executors.Select(e => e.StopAsync(shutdownTasks: true)));
        try
        {
            await stopping.WaitAsync(ExecutorStopTimeout);
        }
        catch (TimeoutException)
        {
            foreach (var executor in executors.Where(e => !e.Exited.IsCompleted))
                Logger.LogWarning("Topology {Topology}: executor {Component}#{Index} did not stop within {Seconds} s (a task is stuck in a call); abandoning its thread",
                    Name, executor.Component.Id, executor.Index, ExecutorStopTimeout.TotalSeconds);
        }
    }

    private static readonly TimeSpan ExecutorStopTimeout = TimeSpan.FromSeconds(10);

    private int PendingTotal()
    {
        int pending = 0;
        foreach (var component in _components)
        {
            foreach (var task in component.Tasks)
            {
                pending += task switch
                {
                    SpoutTask s => s.Pending,
                    BoltTask b => b.TrackedPending + b.Data.Count,
                    _ => 0,
                };
            }
        }
        return pending;
    }

    public ValueTask DisposeAsync() => new(KillAsync(TimeSpan.Zero));

    /// <summary>Counters, rates, latencies and capacity per component (see <see cref="ComponentStatus"/>).</summary>
    public TopologyStatus Status()
    {
        var spouts = new List<ComponentStatus>();
        var bolts = new List<ComponentStatus>();
        ComponentStatus? acker = null;
        foreach (var component in _components)
        {
            var status = _sampler.Describe(component);
            if (component.IsAcker)
                acker = status;
            else if (component.Definition!.Kind == ComponentKind.Spout)
                spouts.Add(status);
            else
                bolts.Add(status);
        }
        var now = Environment.Clock.GetUtcNow();
        return new TopologyStatus(Name, State, StartedAt, now - StartedAt, Error, Config.MessageTimeoutSecs, Config.MaxSpoutPending,
            Config.Ackers, DeadLetters.Topic, DeadLetters.Written, spouts, bolts, acker);
    }
}
