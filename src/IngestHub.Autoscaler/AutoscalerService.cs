using IngestHub.Client;
using IngestHub.Monitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Autoscaler;

/// <summary>
/// Runs the autoscaler of every target the host lists: each at its policy interval, on a fresh read of its group
/// through the client. Targets appear and disappear with their connectors (a spill in progress resumes from its
/// persisted state). Manual spill and unspill requests are taken at the next tick.
/// </summary>
public sealed class AutoscalerService : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);
    private readonly Func<IEnumerable<IScalable>> _targets;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly KafkaAdminClient _admin;
    private readonly GroupLagReader _reader;
    private readonly SpillStateStore _store;
    private readonly Dictionary<(string Kind, string Name), TargetAutoscaler> _autoscalers = [];
    private readonly Dictionary<(string Kind, string Name), int> _missing = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();

    private readonly IReadOnlyList<ISpillObserver> _observers;

    public AutoscalerService(ClientOptions client, SpillStateStore store, Func<IEnumerable<IScalable>> targets, TimeProvider time, ILoggerFactory? loggerFactory = null,
        IEnumerable<ISpillObserver>? observers = null)
    {
        _observers = [.. observers ?? []];
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<AutoscalerService>();
        _admin = new KafkaAdminClient(client, _loggerFactory.CreateLogger<KafkaAdminClient>());
        _reader = new GroupLagReader(_admin, time);
        _store = store;
        _targets = targets;
        _time = time;
    }

    public SpillStateStore Store => _store;

    public IReadOnlyList<TargetStatus> Targets
    {
        get
        {
            lock (_lock)
                return [.. _autoscalers.Values.Select(a => a.Status).OrderBy(s => s.Name, StringComparer.Ordinal)];
        }
    }

    public TargetStatus? Find(string name)
    {
        lock (_lock)
            return _autoscalers.Values.FirstOrDefault(a => a.Target.Name == name)?.Status;
    }

    /// <summary>Asks for a spill of the target; null when accepted, else why not (or null target → "not found").</summary>
    public SpillRequestResult RequestSpill(string name) => Request(name, a => a.RequestSpill());

    public SpillRequestResult RequestUnspill(string name) => Request(name, a => a.RequestUnspill());

    private SpillRequestResult Request(string name, Func<TargetAutoscaler, string?> action)
    {
        TargetAutoscaler? autoscaler;
        lock (_lock)
            autoscaler = _autoscalers.Values.FirstOrDefault(a => a.Target.Name == name);
        if (autoscaler is null)
            return SpillRequestResult.NotFound;
        string? refusal = action(autoscaler);
        if (refusal is not null)
            return new SpillRequestResult(false, refusal);
        autoscaler.NextDueMs = 0;
        Volatile.Read(ref _wake).TrySetResult();
        return new SpillRequestResult(true, null);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        int failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await TickAsync(cancellationToken);
                failures = 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (failures++ % 60 == 0)
                    _logger.LogWarning(ex, "Autoscaler pass failed ({Failures} in a row); retrying", failures);
            }
            var wake = Volatile.Read(ref _wake).Task;
            await Task.WhenAny(wake, Task.Delay(Tick, _time, cancellationToken));
            if (wake.IsCompleted)
                Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        try
        {
            await IdleAsync();
        }
        catch (OperationCanceledException)
        {
            // evaluations cut short by the shutdown
        }
        List<TargetAutoscaler> all;
        lock (_lock)
            all = [.. _autoscalers.Values];
        foreach (var autoscaler in all)
            await autoscaler.DetachAsync();
    }

    /// <summary>Refreshes the targets and evaluates those that are due.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        var seen = new HashSet<(string, string)>();
        var due = new List<TargetAutoscaler>();
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var target in _targets())
        {
            var key = (target.Kind, target.Name);
            seen.Add(key);
            _missing.Remove(key);
            TargetAutoscaler? autoscaler;
            lock (_lock)
            {
                if (!_autoscalers.TryGetValue(key, out autoscaler))
                {
                    autoscaler = new TargetAutoscaler(target, _time, _loggerFactory.CreateLogger<TargetAutoscaler>(),
                        target.Spill is null ? null : new SpillServices(_admin, _reader, _store, _observers));
                    _autoscalers[key] = autoscaler;
                    _logger.LogInformation("Autoscaler: watching {Kind} {Target} (group {Group}){Spill}", target.Kind, target.Name, target.GroupId,
                        autoscaler.Phase == SpillPhase.Normal ? "" : $"; resuming its spill ({SpillState.PhaseName(autoscaler.Phase)})");
                }
                else if (!ReferenceEquals(autoscaler.Target, target) && !SameTarget(autoscaler.Target, target))
                {
                    autoscaler.Rebind(target);
                }
            }
            if (autoscaler.NextDueMs <= now)
                due.Add(autoscaler);
        }
        await ForgetMissingAsync(seen);
        // Targets are evaluated side by side: one whose workers take long to stop (a stuck batch) delays only itself.
        foreach (var autoscaler in due)
        {
            if (!autoscaler.Evaluation.IsCompleted)
                continue;
            autoscaler.NextDueMs = now + (long)autoscaler.Policy.Interval.TotalMilliseconds;
            autoscaler.Evaluation = Task.Run(() => autoscaler.EvaluateAsync(_reader, cancellationToken), CancellationToken.None);
        }
    }

    /// <summary>Waits for evaluations under way (tests and shutdown).</summary>
    public async Task IdleAsync()
    {
        List<Task> running;
        lock (_lock)
            running = [.. _autoscalers.Values.Select(a => a.Evaluation)];
        await Task.WhenAll(running);
    }

    private static bool SameTarget(IScalable a, IScalable b) => (a, b) switch
    {
        (ConnectorTarget ca, ConnectorTarget cb) => ReferenceEquals(ca.Connector, cb.Connector),
        (SpoutTarget sa, SpoutTarget sb) => sa.SameAs(sb),
        _ => false,
    };

    /// <summary>A target missing for a few passes (deleted, or no longer autoscaled) is dropped; a spill pool it left
    /// running stops, and its spill state waits for the target to come back.</summary>
    private async Task ForgetMissingAsync(HashSet<(string, string)> seen)
    {
        List<TargetAutoscaler> gone = [];
        lock (_lock)
        {
            foreach (var key in _autoscalers.Keys.ToList())
            {
                if (seen.Contains(key))
                    continue;
                int count = _missing[key] = _missing.GetValueOrDefault(key) + 1;
                if (count < 3)
                    continue;
                gone.Add(_autoscalers[key]);
                _autoscalers.Remove(key);
                _missing.Remove(key);
            }
        }
        foreach (var autoscaler in gone)
        {
            _logger.LogInformation("Autoscaler: {Kind} {Target} is gone", autoscaler.Target.Kind, autoscaler.Target.Name);
            await autoscaler.Evaluation;
            await autoscaler.DetachAsync();
        }
    }

    public ValueTask DisposeAsync() => _admin.DisposeAsync();
}
