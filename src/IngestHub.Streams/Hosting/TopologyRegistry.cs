using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Pipelines.Configuration;
using IngestHub.Streams.Declarative;
using IngestHub.Streams.Kafka;
using IngestHub.Streams.Runtime;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Hosting;

/// <summary>
/// The topologies an appliance runs: <c>topologies/*.yaml</c>, <see cref="ITopologyFactory"/>s registered by the
/// host or found in topology assemblies, and those submitted through the REST API (persisted under the state
/// directory, with every topology's progress). Starts them, and pauses, resumes, rebalances, restarts and kills
/// them on request.
/// </summary>
public sealed class TopologyRegistry : IAsyncDisposable
{
    private const string ApiFolder = "submitted";
    private readonly TopologyEnvironment _environment;
    private readonly TopologyRegistryOptions _options;
    private readonly IReadOnlyList<ITopologyFactory> _registered;
    private readonly ILogger _logger;
    private readonly Dictionary<string, TopologyEntry> _entries = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private TopologyAssemblies _assemblies = new();
    private KafkaAdminClient? _admin;

    public TopologyRegistry(TopologyEnvironment environment, TopologyRegistryOptions options, IEnumerable<ITopologyFactory> registered)
    {
        _environment = environment;
        _options = options;
        _registered = [.. registered];
        _logger = environment.LoggerFactory.CreateLogger<TopologyRegistry>();
        Compiler = new TopologyCompiler(environment, name => _assemblies.Resolve(name));
    }

    public TopologyCompiler Compiler { get; }

    public IReadOnlyList<TopologyEntry> Entries
    {
        get
        {
            lock (_lock)
                return [.. _entries.Values.OrderBy(e => e.Name, StringComparer.Ordinal)];
        }
    }

    public TopologyEntry? Get(string name)
    {
        lock (_lock)
            return _entries.GetValueOrDefault(name);
    }

    /// <summary>Loads assemblies, compiles every definition and starts them; an invalid or failing topology is kept
    /// with its error (and logged) while the others run.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _assemblies = TopologyAssemblies.Load(_options.Directory, _logger);
        foreach (var factory in _registered)
            AddCode(factory, null);
        foreach (var (factory, assembly) in _assemblies.Factories(_logger))
            AddCode(factory, assembly);
        if (_options.Directory is { } directory && Directory.Exists(directory))
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*.yaml").Concat(Directory.EnumerateFiles(directory, "*.yml")).Order(StringComparer.Ordinal))
                AddFile(file);
        }
        string submitted = Path.Combine(_options.StateDirectory, ApiFolder);
        if (Directory.Exists(submitted))
        {
            foreach (var file in Directory.EnumerateFiles(submitted, "*.json").Order(StringComparer.Ordinal))
                AddSubmitted(file);
        }
        foreach (var entry in Entries)
        {
            if (entry.Compiled is not null)
                await StartEntryAsync(entry, cancellationToken);
        }
    }

    private void AddCode(ITopologyFactory factory, string? assembly)
    {
        string name = factory.Name;
        var entry = new TopologyEntry(name, TopologyOrigin.Code, assembly);
        try
        {
            var config = factory.Configure();
            entry.Compiled = new CompiledTopology(name, factory.GetType().FullName, config, () => factory.Build(_environment.With(StateDirectoryOf(name))), null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            entry.Error = ex.Message;
        }
        Add(entry);
    }

    private void AddFile(string file)
    {
        var entry = new TopologyEntry(Path.GetFileNameWithoutExtension(file), TopologyOrigin.File, file);
        try
        {
            entry.Compiled = Compiler.CompileYaml(File.ReadAllText(file));
            entry = new TopologyEntry(entry.Compiled.Name, TopologyOrigin.File, file) { Compiled = entry.Compiled };
        }
        catch (ConfigException ex)
        {
            entry.Error = ex.Message;
            _logger.LogError("Topology file {File} is invalid and was not started: {Error}", file, ex.Message);
        }
        catch (IOException ex)
        {
            entry.Error = ex.Message;
            _logger.LogError("Topology file {File} could not be read: {Error}", file, ex.Message);
        }
        Add(entry);
    }

    private void AddSubmitted(string file)
    {
        var entry = new TopologyEntry(Path.GetFileNameWithoutExtension(file), TopologyOrigin.Api, null);
        try
        {
            var document = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new ConfigException("the stored definition is not an object");
            entry.Compiled = Compiler.Compile(document);
        }
        catch (Exception ex) when (ex is ConfigException or JsonException or IOException)
        {
            entry.Error = ex.Message;
            _logger.LogError("Stored topology {File} is invalid and was not started: {Error}", file, ex.Message);
        }
        Add(entry);
    }

    private void Add(TopologyEntry entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(entry.Name, out var existing))
            {
                _logger.LogWarning("Topology {Name} is defined twice ({Origin} {File} and {OtherOrigin} {OtherFile}); the first is kept",
                    entry.Name, existing.Origin, existing.File, entry.Origin, entry.File);
                return;
            }
            _entries[entry.Name] = entry;
        }
    }

    private string StateDirectoryOf(string name) => Path.Combine(_options.StateDirectory, name);

    private async Task StartEntryAsync(TopologyEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var compiled = entry.Compiled!;
            var definition = compiled.Build();
            if (definition.Name != entry.Name)
                throw new InvalidTopologyException($"the definition is named {definition.Name}, not {entry.Name}");
            entry.Running = await RunningTopology.StartAsync(definition, compiled.Config, _environment.With(StateDirectoryOf(entry.Name)), cancellationToken);
            entry.Error = null;
        }
        catch (Exception ex) when (ex is InvalidTopologyException or ConfigException or InvalidOperationException or ArgumentException)
        {
            entry.Running = null;
            entry.Error = ex.Message;
            _logger.LogError("Topology {Name} did not start: {Error}", entry.Name, ex.Message);
        }
    }

    /// <summary>Compiles, starts and persists a topology submitted through the API. Throws
    /// <see cref="ConfigException"/> (invalid), <see cref="InvalidTopologyException"/> (refused at start) or
    /// <see cref="InvalidOperationException"/> (the name exists).</summary>
    public async Task<TopologyEntry> SubmitAsync(JsonObject document, CancellationToken cancellationToken)
    {
        var compiled = Compiler.Compile(document);
        var entry = new TopologyEntry(compiled.Name, TopologyOrigin.Api, null) { Compiled = compiled };
        lock (_lock)
        {
            if (_entries.ContainsKey(compiled.Name))
                throw new InvalidOperationException($"topology {compiled.Name} already exists");
            _entries[compiled.Name] = entry;
        }
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            var definition = compiled.Build();
            try
            {
                entry.Running = await RunningTopology.StartAsync(definition, compiled.Config, _environment.With(StateDirectoryOf(entry.Name)), cancellationToken);
            }
            catch
            {
                lock (_lock)
                    _entries.Remove(compiled.Name);
                throw;
            }
            Directory.CreateDirectory(Path.Combine(_options.StateDirectory, ApiFolder));
            IngestHub.Storage.AtomicFile.WriteAllText(Path.Combine(_options.StateDirectory, ApiFolder, compiled.Name + ".json"), compiled.Source!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return entry;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Kills a topology (waiting up to <paramref name="wait"/> for pending tuples) and forgets it, with its
    /// progress; a file or code topology comes back at the next start unless its file or assembly is removed.</summary>
    public async Task<bool> KillAsync(string name, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var entry = Get(name);
        if (entry is null)
            return false;
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Running is { } running)
                await running.KillAsync(wait);
            entry.Running = null;
            lock (_lock)
                _entries.Remove(name);
            if (entry.Origin == TopologyOrigin.Api)
                File.Delete(Path.Combine(_options.StateDirectory, ApiFolder, name + ".json"));
            string state = StateDirectoryOf(name);
            if (Directory.Exists(state))
                Directory.Delete(state, recursive: true);
            _logger.LogInformation("Topology {Name} killed", name);
            return true;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    /// <summary>Stops the current run (keeping progress and committed offsets) and starts a fresh one.</summary>
    public async Task<bool> RestartAsync(string name, CancellationToken cancellationToken = default)
    {
        var entry = Get(name);
        if (entry?.Compiled is null)
            return false;
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.Running is { } running)
                await running.KillAsync(_options.DrainTimeout);
            entry.Running = null;
            await StartEntryAsync(entry, cancellationToken);
            return true;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    public bool Pause(string name) => WithRunning(name, r => r.Pause());

    public bool Resume(string name) => WithRunning(name, r => r.Resume());

    private bool WithRunning(string name, Action<RunningTopology> action)
    {
        var running = Get(name)?.Running ?? throw new InvalidOperationException($"topology {name} is not running");
        action(running);
        return true;
    }

    /// <summary>Changes executors per component (Storm's <c>rebalance -e component=n</c>); throws
    /// <see cref="ArgumentException"/> for an unknown component or a count outside 1 … its tasks.</summary>
    public async Task RebalanceAsync(string name, IReadOnlyDictionary<string, int> executors, CancellationToken cancellationToken = default)
    {
        var running = Get(name)?.Running ?? throw new InvalidOperationException($"topology {name} is not running");
        foreach (var (component, count) in executors)
        {
            if (running.Definition.Find(component) is not { } definition)
                throw new ArgumentException($"topology {name} has no component '{component}'");
            if (count < 1 || count > definition.NumTasks)
                throw new ArgumentException($"{component} has {definition.NumTasks} tasks: executors must be between 1 and {definition.NumTasks}, got {count}");
        }
        foreach (var (component, count) in executors)
            await running.RebalanceAsync(component, count, cancellationToken);
    }

    /// <summary>The Kafka spouts of the running topologies, for an autoscaler.</summary>
    public IReadOnlyList<ScalableSpout> ScalableSpouts()
    {
        var result = new List<ScalableSpout>();
        foreach (var entry in Entries)
        {
            if (entry.Running is not { } running)
                continue;
            foreach (var component in running.Definition.Spouts)
            {
                if (component.Prototype is KafkaSpout spout)
                    result.Add(new ScalableSpout(this, entry.Name, component.Id,
                        spout.GroupId is { Length: > 0 } group ? group : $"{entry.Name}-{component.Id}", spout.Topics, component.NumTasks, spout.Options.Autoscale));
            }
        }
        return result;
    }

    /// <summary>Lag per partition of every Kafka spout of the topology (committed offset vs log end offset).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<PartitionLag>>> LagAsync(string name, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<PartitionLag>>(StringComparer.Ordinal);
        if (Get(name)?.Running is not { } running)
            return result;
        foreach (var component in running.Definition.Spouts)
        {
            if (component.Prototype is not KafkaSpout spout)
                continue;
            if (spout.Options.BootstrapServers is null && _environment.BootstrapServers is null)
                continue;
            try
            {
                bool own = spout.Options.BootstrapServers is null && spout.Options.Connection is null;
                var admin = own ? Admin() : null;
                if (admin is null)
                {
                    await using var other = new KafkaAdminClient(_environment.ClientOptions(new ClientOptions { ClientId = "ingesthub-topologies" },
                        spout.Options.BootstrapServers, spout.Options.Connection));
                    result[component.Id] = await other.GetGroupLagAsync(spout.GroupId, spout.Topics, cancellationToken);
                }
                else
                {
                    result[component.Id] = await admin.GetGroupLagAsync(spout.GroupId, spout.Topics, cancellationToken);
                }
            }
            catch (KafkaException ex)
            {
                _logger.LogWarning("Lag of {Topology}/{Component} (group {Group}) could not be read: {Error}", name, component.Id, spout.GroupId, ex.Message);
            }
        }
        return result;
    }

    private KafkaAdminClient Admin()
    {
        lock (_lock)
            return _admin ??= new KafkaAdminClient(_environment.ClientOptions(new ClientOptions { ClientId = "ingesthub-topologies" }));
    }

    /// <summary>Stops every topology, letting each complete its pending tuples for up to the drain timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Entries.Where(e => e.Running is not null).Select(e => e.Running!.KillAsync(_options.DrainTimeout)));
        KafkaAdminClient? admin;
        lock (_lock)
        {
            admin = _admin;
            _admin = null;
        }
        if (admin is not null)
            await admin.DisposeAsync();
    }
}
