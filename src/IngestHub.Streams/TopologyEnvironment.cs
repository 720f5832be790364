using System.Text.Json.Nodes;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Streams;

/// <summary>
/// What the host gives a topology: the Kafka cluster its spouts and topic sinks use by default, the pipeline sink
/// types (Redis, Elasticsearch…), logging, the clock, and a directory where stateful bolts keep the progress that
/// must survive a restart.
/// </summary>
public sealed class TopologyEnvironment
{
    /// <summary>Default bootstrap servers for Kafka spouts, topic sinks and the dead-letter topic.</summary>
    public string? BootstrapServers { get; init; }

    public IReadOnlyCollection<ISinkFactory> SinkFactories { get; init; } = [];

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Directory for this topology's persisted progress; null keeps it in memory only (a restart then
    /// recomputes windows that were already written, from whatever the source replays).</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Builds a pipeline sink of <paramref name="type"/>; throws <see cref="Pipelines.Configuration.ConfigException"/>
    /// naming the key for bad settings.</summary>
    public ISink CreateSink(string type, JsonObject settings, string name)
    {
        foreach (var factory in SinkFactories)
        {
            if (string.Equals(factory.Type, type, StringComparison.OrdinalIgnoreCase))
                return factory.Create(name, settings, LoggerFactory);
        }
        throw new Pipelines.Configuration.ConfigException("type", $"unknown sink {type} (expected one of {string.Join(", ", SinkFactories.Select(f => f.Type))})");
    }

    public TopologyEnvironment With(string? stateDirectory) => new()
    {
        BootstrapServers = BootstrapServers,
        SinkFactories = SinkFactories,
        LoggerFactory = LoggerFactory,
        Clock = Clock,
        StateDirectory = stateDirectory,
    };
}
