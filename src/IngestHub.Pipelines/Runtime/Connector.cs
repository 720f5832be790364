using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using IngestHub.Client;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Pipelines.Runtime;

/// <summary>
/// A running connector: its sink, its dead-letter writer and its workers (one consumer-group member each).
/// Workers can be added or removed while it runs (the group rebalances; the batches in flight are finished and
/// committed first). Pause stops consumption but keeps group membership; a failure with errors.tolerance=none
/// stops every worker without committing the failed batch and leaves the connector FAILED with the reason.
/// For a spill, the workers switch mode (<see cref="SetModeAsync"/>): relay the source to spill topics, or hold off
/// the source while a spill pool (<see cref="CreateSpillPool"/>, the same pipeline on the spill topics, sharing this
/// connector's counters) drains it.
/// </summary>
public sealed class Connector : IAsyncDisposable
{
    private const int KeptDeadLetters = 50;
    private readonly Func<ISink> _sinkFactory;
    private readonly ClientOptions _client;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<(IConnectorWorker Worker, Task Run, CancellationTokenSource Stop, CancellationTokenSource Abort)> _workers = [];
    private readonly LinkedList<DeadLetterInfo> _recentDeadLetters = new();
    [SuppressMessage("Reliability", "CA2213:Disposable fields should be disposed",
        Justification = "Mode and worker-count changes may still be queued on it when the connector stops; disposing would strand them")]
    private readonly SemaphoreSlim _workersGate = new(1, 1);
    private readonly Lock _relayLock = new();
    private KafkaProducer? _relayProducer;
    private volatile ConnectorMode _mode = ConnectorMode.Process;
    private SpillRoute? _route;
    private int _desiredWorkers;
    private TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private KafkaProducer? _producer;
    private ISink? _sink;
    private IReadOnlyList<string> _topics = [];
    private volatile bool _paused;
    private volatile ConnectorState _state = ConnectorState.Unassigned;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private int _nextWorkerId;

    public Connector(ConnectorSettings settings, IRecordProcessor processor, Func<ISink> sinkFactory, ClientOptions client,
        PipelineMetrics metrics, ILoggerFactory loggerFactory, bool startPaused = false)
    {
        Settings = settings;
        Processor = processor;
        _sinkFactory = sinkFactory;
        _client = client;
        Metrics = metrics;
        LoggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<Connector>();
        MetricTag = new KeyValuePair<string, object?>("connector", settings.Name);
        Counters = new ConnectorCounterSet();
        _paused = startPaused;
    }

    /// <summary>A spill pool of <paramref name="parent"/>: its pipeline and sink type on other topics and another
    /// group, counting into the parent's counters and metrics.</summary>
    private Connector(Connector parent, ConnectorSettings settings)
    {
        Settings = settings;
        Processor = new SpilledRecordProcessor(parent.Processor);
        _sinkFactory = parent._sinkFactory;
        _client = parent._client;
        Metrics = parent.Metrics;
        LoggerFactory = parent.LoggerFactory;
        _logger = LoggerFactory.CreateLogger<Connector>();
        MetricTag = parent.MetricTag;
        Counters = parent.Counters;
        _paused = parent.IsPaused;
    }

    public ConnectorSettings Settings { get; private set; }
    public IRecordProcessor Processor { get; }
    public PipelineMetrics Metrics { get; }
    public ILoggerFactory LoggerFactory { get; }
    internal KeyValuePair<string, object?> MetricTag { get; }
    internal ConnectorCounterSet Counters { get; }
    internal ISink Sink => _sink ?? throw new InvalidOperationException("connector not started");
    internal DeadLetterWriter DeadLetters { get; private set; } = null!;

    /// <summary>The embedded broker's coordinator, told how many workers join so they form the group at once.</summary>
    public IGroupFormation? GroupFormation { get; init; }
    public bool IsPaused => _paused;
    public ConnectorState State => _state;
    public ConnectorMode Mode => _mode;
    public SpillRoute? Route => _route;
    /// <summary>The source topics (resolved from the regex at start).</summary>
    public IReadOnlyList<string> Topics => _topics.Count > 0 ? _topics : Settings.Topics;
    /// <summary>Workers wanted: running ones, or those that run once a held connector resumes.</summary>
    public int DesiredWorkers => Volatile.Read(ref _desiredWorkers);
    public int WorkerCount
    {
        get { lock (_lock) return _workers.Count; }
    }

    /// <summary>Starts the sink and the workers. A sink that is down at start is retried by the workers'
    /// delivery loop, so start never blocks on it.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _sink = _sinkFactory();
        try
        {
            await _sink.StartAsync(cancellationToken);
        }
        catch (SinkUnavailableException ex)
        {
            ReportError("sink unavailable at start: " + ex.Message);
            _logger.LogWarning("Connector {Connector}: sink unavailable at start ({Reason}); workers will retry", Settings.Name, ex.Message);
        }
        _producer = new KafkaProducer(_client.CopyConnectionTo(new ProducerOptions
        {
            ClientId = Settings.Name + "-dlq",
            Acks = Acks.All,
            LingerMs = 0,
        }), LoggerFactory.CreateLogger<KafkaProducer>());
        DeadLetters = new DeadLetterWriter(_producer, Settings.Name, Settings.DeadLetterTopic);
        _topics = await ResolveTopicsAsync(cancellationToken);
        int workers = await ClampWorkersAsync(Settings.Workers, cancellationToken);
        _state = _paused ? ConnectorState.Paused : ConnectorState.Running;
        _desiredWorkers = workers;
        if (_mode != ConnectorMode.Hold)
        {
            GroupFormation?.ExpectMembers(Settings.GroupId, workers);
            for (int i = 0; i < workers; i++)
                AddWorker();
        }
        _logger.LogInformation("Connector {Connector} started with {Workers} workers on {Topics}{Mode}", Settings.Name, workers, string.Join(",", _topics),
            _mode == ConnectorMode.Process ? "" : $" ({_mode.ToString().ToLowerInvariant()} mode)");
    }

    /// <summary>The mode to start in (before <see cref="StartAsync"/>), e.g. to resume a spill after a restart.</summary>
    public void StartIn(ConnectorMode mode, SpillRoute? route)
    {
        if (mode == ConnectorMode.Relay && route is null)
            throw new ArgumentException("relay mode needs a spill route", nameof(route));
        _mode = mode;
        _route = route;
    }

    /// <summary>Switches what the workers do. Every current worker first finishes, delivers (or relays) and commits
    /// the batch in hand and leaves the group; then the wanted number of workers start in the new mode from the
    /// committed offsets, so no record is handled by two modes and none is skipped.</summary>
    public async Task SetModeAsync(ConnectorMode mode, SpillRoute? route, CancellationToken cancellationToken = default)
    {
        if (mode == ConnectorMode.Relay && route is null)
            throw new ArgumentException("relay mode needs a spill route", nameof(route));
        await _workersGate.WaitAsync(cancellationToken);
        try
        {
            List<(IConnectorWorker Worker, Task Run, CancellationTokenSource Stop, CancellationTokenSource Abort)> stopping;
            lock (_lock)
            {
                stopping = [.. _workers];
                _workers.Clear();
            }
            await StopWorkersAsync(stopping, TimeSpan.FromSeconds(30));
            _route = route;
            _mode = mode;
            if (mode != ConnectorMode.Relay)
                await DisposeRelayProducerAsync();
            if (mode != ConnectorMode.Hold && _state is ConnectorState.Running or ConnectorState.Paused)
                for (int i = 0; i < _desiredWorkers; i++)
                    AddWorker();
            _logger.LogInformation("Connector {Connector}: {Mode} mode with {Workers} workers", Settings.Name, mode.ToString().ToLowerInvariant(),
                mode == ConnectorMode.Hold ? 0 : _desiredWorkers);
        }
        finally
        {
            _workersGate.Release();
        }
    }

    /// <summary>The idempotent producer relay workers write spill records with (one per connector, made on first use).</summary>
    internal KafkaProducer RelayProducer()
    {
        lock (_relayLock)
        {
            return _relayProducer ??= new KafkaProducer(_client.CopyConnectionTo(new ProducerOptions
            {
                ClientId = Settings.Name + "-relay",
                Acks = Acks.All,
                EnableIdempotence = true,
                LingerMs = 5,
                BatchSize = 256 * 1024,
                // Retriable errors (a broker restarting) are retried for a day rather than failing a batch whose
                // later records could still be written behind it.
                DeliveryTimeoutMs = 86_400_000,
                MaxBlockMs = 86_400_000,
                RequestTimeoutMs = _client.RequestTimeoutMs,
            }), LoggerFactory.CreateLogger<KafkaProducer>());
        }
    }

    /// <summary>Drops a relay producer that failed a write (if it is still the current one), so the retry starts clean.</summary>
    internal async Task ResetRelayProducerAsync(KafkaProducer failed)
    {
        lock (_relayLock)
        {
            if (!ReferenceEquals(_relayProducer, failed))
                return;
            _relayProducer = null;
        }
        await CloseQuietlyAsync(failed);
    }

    private async Task DisposeRelayProducerAsync()
    {
        KafkaProducer? producer;
        lock (_relayLock)
        {
            producer = _relayProducer;
            _relayProducer = null;
        }
        if (producer is not null)
            await CloseQuietlyAsync(producer);
    }

    private async Task CloseQuietlyAsync(KafkaProducer producer)
    {
        try
        {
            await producer.DisposeAsync();
        }
        catch (KafkaException ex)
        {
            _logger.LogWarning("Connector {Connector}: closing the relay producer: {Error}", Settings.Name, ex.Message);
        }
    }

    /// <summary>A pool that runs this connector's pipeline (decoding the relayed records back to their originals) on
    /// <paramref name="spillTopics"/> as group <paramref name="groupId"/>; start it with <see cref="StartAsync"/>.</summary>
    public Connector CreateSpillPool(IReadOnlyList<string> spillTopics, string groupId, int workers) =>
        new(this, Settings with
        {
            Name = Settings.Name + ".spill",
            Topics = spillTopics,
            TopicsRegex = null,
            GroupId = groupId,
            Workers = Math.Max(1, workers),
            Autoscale = null,
        });

    internal ConsumerOptions ConsumerOptions(string clientId) => _client.CopyConnectionTo(new ConsumerOptions
    {
        ClientId = clientId,
        GroupId = Settings.GroupId,
        EnableAutoCommit = false,
        AutoOffsetReset = Settings.StartFromEarliest ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest,
        SessionTimeoutMs = Settings.SessionTimeoutMs,
        HeartbeatIntervalMs = Math.Max(100, Settings.SessionTimeoutMs / 5),
        RequestTimeoutMs = _client.RequestTimeoutMs,
    });

    private async Task<IReadOnlyList<string>> ResolveTopicsAsync(CancellationToken cancellationToken)
    {
        if (Settings.TopicsRegex is null)
            return Settings.Topics;
        var regex = new Regex("^(?:" + Settings.TopicsRegex + ")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        await using var admin = new KafkaAdminClient(_client);
        var metadata = await admin.DescribeTopicsAsync(null, cancellationToken);
        var topics = new List<string>();
        // As Kafka's consumers (exclude.internal.topics), a pattern never matches internal topics such as __consumer_offsets.
        foreach (var (name, topic) in metadata.Topics)
            if (!topic.IsInternal && regex.IsMatch(name) && name != Settings.DeadLetterTopic)
                topics.Add(name);
        topics.Sort(StringComparer.Ordinal);
        return topics;
    }

    /// <summary>Workers beyond the partition count would sit idle; cap them (at least one).</summary>
    private async Task<int> ClampWorkersAsync(int wanted, CancellationToken cancellationToken)
    {
        if (_topics.Count == 0)
            return Math.Max(1, Math.Min(wanted, 1));
        try
        {
            await using var admin = new KafkaAdminClient(_client);
            var metadata = await admin.DescribeTopicsAsync(_topics, cancellationToken);
            int partitions = 0;
            foreach (var topic in metadata.Topics.Values)
                partitions += topic.Partitions.Count;
            if (partitions > 0 && wanted > partitions)
            {
                _logger.LogInformation("Connector {Connector}: {Wanted} workers asked, {Partitions} partitions: running {Partitions}", Settings.Name, wanted, partitions, partitions);
                return partitions;
            }
        }
        catch (KafkaException ex)
        {
            _logger.LogWarning("Connector {Connector}: could not read the partition count ({Error}); running {Wanted} workers", Settings.Name, ex.Message, wanted);
        }
        return Math.Max(1, wanted);
    }

    private void AddWorker()
    {
        int id = Interlocked.Increment(ref _nextWorkerId) - 1;
        IConnectorWorker worker = _mode == ConnectorMode.Relay
            ? new RelayWorker(id, this, _route!, LoggerFactory.CreateLogger<RelayWorker>())
            : new ConnectorWorker(id, this, LoggerFactory.CreateLogger<ConnectorWorker>());
        var stop = new CancellationTokenSource();
        var abort = new CancellationTokenSource();
        var run = Task.Run(async () =>
        {
            try
            {
                await worker.RunAsync(_topics, stop.Token, abort.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "Connector {Connector} worker {Worker} crashed", Settings.Name, worker.Id);
                Fail($"worker {worker.Id} crashed: {ex.GetType().Name}: {ex.Message}");
            }
        });
        lock (_lock)
            _workers.Add((worker, run, stop, abort));
    }

    /// <summary>Changes the number of workers without a restart: new members join the group; removed ones finish
    /// their batch, commit and leave. Zero (the autoscaler's idle connector) leaves the group empty; a held
    /// connector only remembers the count for when it resumes.</summary>
    public async Task SetWorkerCountAsync(int count, CancellationToken cancellationToken = default)
    {
        count = count <= 0 ? 0 : await ClampWorkersAsync(count, cancellationToken);
        await _workersGate.WaitAsync(cancellationToken);
        try
        {
            Volatile.Write(ref _desiredWorkers, count);
            List<(IConnectorWorker Worker, Task Run, CancellationTokenSource Stop, CancellationTokenSource Abort)> removed = [];
            int toAdd = 0;
            lock (_lock)
            {
                int target = _mode == ConnectorMode.Hold ? 0 : count;
                while (_workers.Count > target)
                {
                    removed.Add(_workers[^1]);
                    _workers.RemoveAt(_workers.Count - 1);
                }
                if (_state is ConnectorState.Running or ConnectorState.Paused)
                    toAdd = target - _workers.Count;
            }
            if (toAdd > 0)
                GroupFormation?.ExpectMembers(Settings.GroupId, count);
            for (int i = 0; i < toAdd; i++)
                AddWorker();
            await StopWorkersAsync(removed, TimeSpan.FromSeconds(30));
            Settings = Settings with { Workers = Math.Max(1, count) };
        }
        finally
        {
            _workersGate.Release();
        }
    }

    public void Pause()
    {
        _paused = true;
        if (_state == ConnectorState.Running)
            _state = ConnectorState.Paused;
    }

    public void Resume()
    {
        _paused = false;
        if (_state == ConnectorState.Paused)
            _state = ConnectorState.Running;
        Interlocked.Exchange(ref _resumed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    internal async Task WaitForResumeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _resumed).Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    internal void ReportError(string error)
    {
        lock (_lock)
        {
            _lastError = error;
            _lastErrorAt = DateTimeOffset.UtcNow;
        }
    }

    internal void ClearError()
    {
        lock (_lock)
        {
            if (_state != ConnectorState.Failed)
                _lastError = null;
        }
    }

    /// <summary>errors.tolerance=none hit a bad record (or a worker crashed): stop consuming, keep the reason.</summary>
    internal void Fail(string reason)
    {
        List<(IConnectorWorker Worker, Task Run, CancellationTokenSource Stop, CancellationTokenSource Abort)> workers;
        lock (_lock)
        {
            if (_state == ConnectorState.Failed)
                return;
            _state = ConnectorState.Failed;
            _lastError = reason;
            _lastErrorAt = DateTimeOffset.UtcNow;
            workers = [.. _workers];
        }
        _logger.LogError("Connector {Connector} FAILED: {Reason}", Settings.Name, reason);
        foreach (var w in workers)
            w.Stop.Cancel();
    }

    internal void RecordDeadLetters(IReadOnlyList<DeadLetter> letters)
    {
        lock (_lock)
        {
            foreach (var letter in letters)
            {
                _recentDeadLetters.AddFirst(new DeadLetterInfo(letter.Record.Topic, letter.Record.Partition, letter.Record.Offset, letter.Stage, letter.ErrorType,
                    letter.Reason, DateTimeOffset.UtcNow, letter.LastOffset ?? letter.Record.Offset));
                if (_recentDeadLetters.Count > KeptDeadLetters)
                    _recentDeadLetters.RemoveLast();
            }
        }
    }

    public IReadOnlyList<DeadLetterInfo> RecentDeadLetters()
    {
        lock (_lock)
            return [.. _recentDeadLetters];
    }

    public ConnectorStatus Status()
    {
        List<WorkerStatus> workers = [];
        string? error;
        DateTimeOffset? errorAt;
        lock (_lock)
        {
            foreach (var w in _workers)
                workers.Add(w.Worker.Status());
            error = _lastError;
            errorAt = _lastErrorAt;
        }
        return new ConnectorStatus(Settings.Name, _state, error, errorAt, workers, Counters.Snapshot()) { Mode = _mode };
    }

    /// <summary>Stops every worker: each finishes and commits the batch in hand (bounded by <paramref name="drain"/>),
    /// leaves the group; then the sink and the dead-letter producer are closed.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        List<(IConnectorWorker Worker, Task Run, CancellationTokenSource Stop, CancellationTokenSource Abort)> workers;
        lock (_lock)
        {
            workers = [.. _workers];
            _workers.Clear();
        }
        await StopWorkersAsync(workers, drain);
        GroupFormation?.ForgetMembers(Settings.GroupId);
        if (_state != ConnectorState.Failed)
            _state = ConnectorState.Stopped;
        await DisposeRelayProducerAsync();
        if (_producer is not null)
        {
            try
            {
                await _producer.DisposeAsync();
            }
            catch (KafkaException ex)
            {
                _logger.LogWarning("Connector {Connector}: closing the dead-letter producer: {Error}", Settings.Name, ex.Message);
            }
            _producer = null;
        }
        if (_sink is not null)
        {
            await _sink.DisposeAsync();
            _sink = null;
        }
    }

    private async Task StopWorkersAsync(List<(IConnectorWorker Worker, Task Run, CancellationTokenSource Stop, CancellationTokenSource Abort)> workers, TimeSpan drain)
    {
        foreach (var w in workers)
            w.Stop.Cancel();
        var all = Task.WhenAll(workers.Select(w => w.Run));
        if (await Task.WhenAny(all, Task.Delay(drain)) != all)
        {
            _logger.LogWarning("Connector {Connector}: workers did not drain within {Drain}; aborting their batches (they will be redelivered)", Settings.Name, drain);
            foreach (var w in workers)
                w.Abort.Cancel();
            await all;
        }
        foreach (var w in workers)
        {
            w.Worker.Dispose();
            w.Stop.Dispose();
            w.Abort.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.FromSeconds(30));
}

/// <summary>A recent dead letter, for the status API and the dashboard: one record (<see cref="LastOffset"/> equals
/// <see cref="Offset"/>) or an undecodable batch covering <see cref="Offset"/>..<see cref="LastOffset"/>.</summary>
public sealed record DeadLetterInfo(string Topic, int Partition, long Offset, string Stage, string ErrorType, string Reason, DateTimeOffset At,
    long LastOffset);
