using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Pipelines.Runtime;

/// <summary>Compiles a connector configuration (the pipeline definition as JSON) with the registered sink types.</summary>
public sealed class PipelineCompiler : IConnectorCompiler
{
    private readonly Dictionary<string, ISinkFactory> _sinks = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _clock;

    public PipelineCompiler(IEnumerable<ISinkFactory> sinks, ILoggerFactory loggerFactory, TimeProvider? clock = null)
    {
        foreach (var sink in sinks)
            _sinks[sink.Type] = sink;
        _loggerFactory = loggerFactory;
        _clock = clock ?? TimeProvider.System;
    }

    public IReadOnlyCollection<string> SinkTypes => _sinks.Keys;

    public CompiledConnector Compile(string name, JsonObject config)
    {
        var root = (JsonObject)config.DeepClone();
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
            probe = factory.Create(name, definition.Output.Settings, _loggerFactory);
        }
        catch (ConfigException ex)
        {
            throw new ConfigException(ex.Key is null ? "output" : "output." + ex.Key, ex.Key is null ? ex.Message : ex.Message[(ex.Key.Length + 2)..]);
        }
        var first = probe;
        ISink CreateSink()
        {
            var sink = Interlocked.Exchange(ref first, null);
            return sink ?? factory.Create(name, definition.Output.Settings, _loggerFactory);
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
        };
        return new CompiledConnector(settings, new PipelineRecordProcessor(pipeline), CreateSink);
    }
}
