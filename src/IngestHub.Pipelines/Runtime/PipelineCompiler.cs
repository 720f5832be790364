using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Pipelines.Runtime;

/// <summary>Compiles a connector configuration (the pipeline definition as JSON) with the registered sink types.
/// <c>${VAR}</c> references are resolved here, from the environment, each time a connector starts; the
/// configuration the registry stores and shows keeps them as written.</summary>
public sealed class PipelineCompiler : IConnectorCompiler
{
    private readonly Dictionary<string, ISinkFactory> _sinks = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _clock;
    private readonly Func<string, string?> _environment;

    public PipelineCompiler(IEnumerable<ISinkFactory> sinks, ILoggerFactory loggerFactory, TimeProvider? clock = null, Func<string, string?>? environment = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        foreach (var sink in sinks)
            _sinks[sink.Type] = sink;
        _loggerFactory = loggerFactory;
        _clock = clock ?? TimeProvider.System;
    }

    public IReadOnlyCollection<string> SinkTypes => _sinks.Keys;

    /// <summary>The registered sink types, by type name.</summary>
    public IReadOnlyList<ISinkFactory> Sinks => [.. _sinks.Values.OrderBy(s => s.Type, StringComparer.Ordinal)];

    public ISinkFactory? Sink(string type) => _sinks.GetValueOrDefault(type);

    /// <summary>The configuration with its <c>${VAR}</c> references resolved, as a connector would start with it.</summary>
    public JsonObject Expand(JsonObject config) => ConfigVariables.Expand(config, _environment);

    /// <summary>Connects to the sink the configuration names and checks it (<see cref="ISinkFactory.CheckAsync"/>);
    /// secrets are redacted from the results. Throws <see cref="ConfigException"/> for an invalid configuration.</summary>
    public async Task<IReadOnlyList<SinkCheck>> CheckSinkAsync(string name, JsonObject config, CancellationToken cancellationToken)
    {
        var root = Expand(config);
        var secrets = ConfigSecrets.Values(root);
        root["name"] = name;
        var definition = PipelineDefinition.FromJson(root, _sinks.Keys);
        var checks = await _sinks[definition.Output.Type].CheckAsync(name, definition.Output.Settings, cancellationToken);
        return [.. checks.Select(c => c with { Message = ConfigSecrets.Redact(c.Message, secrets) })];
    }

    public CompiledConnector Compile(string name, JsonObject config)
    {
        var root = ConfigVariables.Expand(config, _environment);
        var secrets = ConfigSecrets.Values(root);
        try
        {
            return Compile(name, root, secrets);
        }
        catch (ConfigException ex) when (ConfigSecrets.Redact(ex.Message, secrets) is var message && message != ex.Message)
        {
            throw ex.Key is null || !message.StartsWith(ex.Key + ": ", StringComparison.Ordinal)
                ? new ConfigException(message)
                : new ConfigException(ex.Key, message[(ex.Key.Length + 2)..]);
        }
    }

    private CompiledConnector Compile(string name, JsonObject root, IReadOnlyList<string> secrets)
    {
        if (root["name"] is JsonValue given && given.TryGetValue(out string? declared) && declared != name)
            throw new ConfigException("name", $"the configuration names connector '{declared}' but it is being created as '{name}'");
        root["name"] = name;
        var definition = PipelineDefinition.FromJson(root, _sinks.Keys);
        var pipeline = Pipeline.Compile(definition, _clock);
        var factory = _sinks[definition.Output.Type];
        // Build one sink now so sink settings are validated before the connector is accepted.
        ISink probe;
        try
        {
            probe = Protect(factory.Create(name, definition.Output.Settings, _loggerFactory), secrets);
        }
        catch (ConfigException ex)
        {
            throw new ConfigException(ex.Key is null ? "output" : "output." + ex.Key, ex.Key is null ? ex.Message : ex.Message[(ex.Key.Length + 2)..]);
        }
        var first = probe;
        ISink CreateSink()
        {
            var sink = Interlocked.Exchange(ref first, null);
            return sink ?? Protect(factory.Create(name, definition.Output.Settings, _loggerFactory), secrets);
        }
        var input = definition.Input;
        var settings = new ConnectorSettings
        {
            Name = name,
            Topics = input.Topics,
            TopicsRegex = input.TopicsRegex,
            GroupId = input.GroupId,
            Workers = input.Workers,
            StartFromEarliest = input.Start == StartPosition.Earliest,
            BatchSize = definition.Output.BatchSize,
            LingerMs = definition.Output.LingerMs,
            TolerateErrors = definition.Errors.Tolerance == ErrorTolerance.All,
            DeadLetterTopic = definition.Errors.DeadLetterTopic,
            Autoscale = definition.Autoscale,
        };
        return new CompiledConnector(settings, new PipelineRecordProcessor(pipeline), CreateSink);
    }

    private static ISink Protect(ISink sink, IReadOnlyList<string> secrets) => secrets.Count == 0 ? sink : new RedactingSink(sink, secrets);
}
