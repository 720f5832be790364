using System.Text.Json.Nodes;
using IngestHub.Client;
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

    /// <summary>How clients of <see cref="BootstrapServers"/> connect: security.protocol and the sasl.* and ssl.*
    /// settings (its own bootstrap servers are not used). Default PLAINTEXT.</summary>
    public ClientOptions Connection { get; init; } = new();

    /// <summary>Copies how to reach a cluster onto <paramref name="target"/>: the environment's cluster with
    /// <see cref="Connection"/>'s security, or, when a component names its own <paramref name="bootstrap"/>, that cluster
    /// with <paramref name="connection"/> (PLAINTEXT when the component gives no security settings).</summary>
    public T ClientOptions<T>(T target, string? bootstrap = null, ClientOptions? connection = null) where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(target);
        (connection ?? (bootstrap is null ? Connection : new ClientOptions())).CopyConnectionTo(target);
        target.BootstrapServers = bootstrap ?? BootstrapServers
            ?? throw new InvalidOperationException("no Kafka bootstrap servers (set them on the component or the topology environment)");
        return target;
    }

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
        Connection = Connection,
        SinkFactories = SinkFactories,
        LoggerFactory = LoggerFactory,
        Clock = Clock,
        StateDirectory = stateDirectory,
    };
}
