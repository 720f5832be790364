using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IngestHub.Client;
using IngestHub.Pipelines.Configuration;
using Microsoft.Extensions.Logging;

namespace IngestHub.Pipelines.Runtime;

/// <summary>
/// Every connector of the appliance: those defined in <c>pipelines/*.yaml</c> and those created through the REST
/// API. API changes (create, config update, pause, delete) are persisted in the <see cref="IConnectorStateStore"/>
/// (the appliance's <c>&lt;data&gt;/connectors/</c>) and win over the YAML definition of the same name on the next start.
/// </summary>
public sealed partial class ConnectorRegistry : IAsyncDisposable
{
    private readonly IConnectorCompiler _compiler;
    private readonly ClientOptions _client;
    private readonly IConnectorStateStore _store;
    private readonly PipelineMetrics _metrics;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    [SuppressMessage("Reliability", "CA2213:Disposable fields should be disposed",
        Justification = "REST calls racing shutdown may still be queued on the gate. Disposing would strand them and frees nothing (no wait handle is used).")]
    private readonly SemaphoreSlim _changes = new(1, 1);
    private readonly Dictionary<string, Entry> _connectors = new(StringComparer.Ordinal);

    public ConnectorRegistry(IConnectorCompiler compiler, ClientOptions client, IConnectorStateStore store, PipelineMetrics metrics, ILoggerFactory loggerFactory)
    {
        _compiler = compiler;
        _client = client;
        _store = store;
        _metrics = metrics;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ConnectorRegistry>();
    }

    /// <summary>Set by the host when connectors read the embedded broker (see <see cref="IGroupFormation"/>).</summary>
    public IGroupFormation? GroupFormation { get; init; }

    private sealed class Entry(JsonObject config, Connector connector, bool persisted)
    {
        public JsonObject Config { get; set; } = config;
        public Connector Connector { get; set; } = connector;
        public bool Persisted { get; set; } = persisted;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,200}$")]
    private static partial Regex ValidName();

    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_connectors)
            {
                var names = new List<string>(_connectors.Keys);
                names.Sort(StringComparer.Ordinal);
                return names;
            }
        }
    }

    /// <summary>Starts the YAML-defined connectors and the persisted ones (persisted wins on a name clash). A
    /// definition that does not compile is logged and skipped; the others start.</summary>
    public async Task StartAsync(IEnumerable<(string Name, JsonObject Config)> fromFiles, CancellationToken cancellationToken)
    {
        var definitions = new Dictionary<string, (JsonObject Config, bool Persisted, bool Paused)>(StringComparer.Ordinal);
        foreach (var (name, config) in fromFiles)
            definitions[name] = (config, false, false);
        foreach (var stored in _store.Load())
        {
            if (stored.Deleted)
                definitions.Remove(stored.Name);
            else
                definitions[stored.Name] = ((JsonObject)stored.Config.DeepClone(), true, stored.Paused);
        }
        foreach (var (name, (config, persisted, paused)) in definitions)
        {
            try
            {
                await StartConnectorAsync(name, config, persisted, paused, cancellationToken);
            }
            catch (ConfigException ex)
            {
                _logger.LogError("Connector {Connector} not started: invalid configuration: {Error}", name, ex.Message);
            }
        }
    }

    /// <summary>Where a connector learns, when it starts, that a spill of it is in progress (set before <see cref="StartAsync"/>).</summary>
    public IConnectorModeSource? ModeSource { get; set; }

    /// <summary>Compiles and starts a connector; the registry owns it from here (stopped on delete, restart or disposal).</summary>
    private async Task StartConnectorAsync(string name, JsonObject config, bool persisted, bool paused, CancellationToken cancellationToken)
    {
        var compiled = _compiler.Compile(name, config);
#pragma warning disable CA2000 // the registry owns it: stopped on delete, restart, config change and disposal
        var connector = new Connector(compiled.Settings, compiled.Processor, compiled.CreateSink, _client, _metrics, _loggerFactory, paused)
        {
            GroupFormation = GroupFormation,
        };
#pragma warning restore CA2000
        if (ModeSource?.StartMode(name) is { Mode: not ConnectorMode.Process } start)
            connector.StartIn(start.Mode, start.Route);
        lock (_connectors)
            _connectors[name] = new Entry(config, connector, persisted);
        await connector.StartAsync(cancellationToken);
    }

    public static void ValidateName(string name)
    {
        if (!ValidName().IsMatch(name))
            throw new ConfigException("name", $"connector name '{name}' must be 1-200 characters of letters, digits, '.', '_' and '-'");
    }

    /// <summary>Creates and starts a connector; false when the name is taken.</summary>
    public async Task<bool> CreateAsync(string name, JsonObject config, CancellationToken cancellationToken)
    {
        ValidateName(name);
        await _changes.WaitAsync(cancellationToken);
        try
        {
            lock (_connectors)
                if (_connectors.ContainsKey(name))
                    return false;
            _compiler.Compile(name, config); // validate before anything persists
            Persist(name, config, paused: false);
            await StartConnectorAsync(name, config, persisted: true, paused: false, cancellationToken);
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>Creates or updates. A change of only the worker count is applied live; any other change restarts
    /// the connector with the new configuration. Returns true when it was created.</summary>
    public async Task<bool> PutConfigAsync(string name, JsonObject config, CancellationToken cancellationToken)
    {
        ValidateName(name);
        await _changes.WaitAsync(cancellationToken);
        try
        {
            Entry? existing;
            lock (_connectors)
                _connectors.TryGetValue(name, out existing);
            var compiled = _compiler.Compile(name, config);
            if (existing is null)
            {
                Persist(name, config, paused: false);
                await StartConnectorAsync(name, config, persisted: true, paused: false, cancellationToken);
                return true;
            }
            bool paused = existing.Connector.IsPaused;
            Persist(name, config, paused);
            if (existing.Connector.State != ConnectorState.Failed && JsonNode.DeepEquals(WithoutWorkers(existing.Config), WithoutWorkers(config)))
            {
                await existing.Connector.SetWorkerCountAsync(compiled.Settings.Workers, cancellationToken);
                existing.Config = config;
                existing.Persisted = true;
                return false;
            }
            await existing.Connector.StopAsync(TimeSpan.FromSeconds(30));
            await StartConnectorAsync(name, config, persisted: true, paused, cancellationToken);
            return false;
        }
        finally
        {
            _changes.Release();
        }
    }

    private static JsonObject WithoutWorkers(JsonObject config)
    {
        var copy = (JsonObject)config.DeepClone();
        if (copy["input"] is JsonObject input)
            input.Remove("workers");
        return copy;
    }

    /// <summary>Sets a running connector's worker count (the autoscaler's lever); persisted like a config change.</summary>
    public async Task<bool> SetWorkersAsync(string name, int workers, CancellationToken cancellationToken)
    {
        JsonObject? config = GetConfig(name);
        if (config is null)
            return false;
        var updated = (JsonObject)config.DeepClone();
        if (updated["input"] is not JsonObject input)
        {
            input = [];
            updated["input"] = input;
        }
        input["workers"] = workers;
        await PutConfigAsync(name, updated, cancellationToken);
        return true;
    }

    public JsonObject? GetConfig(string name)
    {
        lock (_connectors)
            return _connectors.TryGetValue(name, out var e) ? (JsonObject)e.Config.DeepClone() : null;
    }

    public Connector? Get(string name)
    {
        lock (_connectors)
            return _connectors.TryGetValue(name, out var e) ? e.Connector : null;
    }

    public IReadOnlyList<Connector> All()
    {
        lock (_connectors)
            return [.. _connectors.Values.Select(e => e.Connector).OrderBy(c => c.Settings.Name, StringComparer.Ordinal)];
    }

    public bool Pause(string name) => Change(name, c => c.Pause(), paused: true);

    public bool Resume(string name) => Change(name, c => c.Resume(), paused: false);

    private bool Change(string name, Action<Connector> action, bool paused)
    {
        Entry? entry;
        lock (_connectors)
            _connectors.TryGetValue(name, out entry);
        if (entry is null)
            return false;
        action(entry.Connector);
        Persist(name, entry.Config, paused);
        return true;
    }

    /// <summary>Stops the connector (draining its batches) and starts it again from its configuration; clears FAILED.</summary>
    public async Task<bool> RestartAsync(string name, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            Entry? entry;
            lock (_connectors)
                _connectors.TryGetValue(name, out entry);
            if (entry is null)
                return false;
            bool paused = entry.Connector.IsPaused;
            await entry.Connector.StopAsync(TimeSpan.FromSeconds(30));
            await StartConnectorAsync(name, entry.Config, entry.Persisted, paused, cancellationToken);
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            Entry? entry;
            lock (_connectors)
            {
                if (!_connectors.Remove(name, out entry))
                    return false;
            }
            await entry.Connector.StopAsync(TimeSpan.FromSeconds(30));
            // A tombstone keeps a YAML-defined connector deleted across restarts until its file is removed.
            _store.Save(new StoredConnector(name, entry.Config, Paused: false, Deleted: true));
            return true;
        }
        finally
        {
            _changes.Release();
        }
    }

    private void Persist(string name, JsonObject config, bool paused) =>
        _store.Save(new StoredConnector(name, config, paused, Deleted: false));

    public async ValueTask DisposeAsync()
    {
        List<Connector> all;
        lock (_connectors)
        {
            all = [.. _connectors.Values.Select(e => e.Connector)];
            _connectors.Clear();
        }
        await Task.WhenAll(all.Select(c => c.StopAsync(TimeSpan.FromSeconds(30))));
    }
}
