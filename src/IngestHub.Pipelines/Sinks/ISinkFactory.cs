using System.Reflection;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using Microsoft.Extensions.Logging;

namespace IngestHub.Pipelines.Sinks;

/// <summary>Creates sinks of one output type (<c>redis</c>, <c>elasticsearch</c>) from their settings.</summary>
public interface ISinkFactory
{
    string Type { get; }

    /// <summary>The sink's version (its assembly's informational version).</summary>
    string Version => GetType().Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The sink's own settings (under <c>output</c>), the ones <see cref="Create"/> reads.</summary>
    IReadOnlyList<SettingDefinition> Settings { get; }

    /// <summary>Validates settings and builds the sink; throws <see cref="Configuration.ConfigException"/> naming
    /// the offending key.</summary>
    ISink Create(string connectorName, JsonObject settings, ILoggerFactory loggerFactory);

    /// <summary>Connects with these settings and checks what a connector needs (reachable, authenticated,
    /// allowed to write), writing nothing. Failures are results, not exceptions.</summary>
    Task<IReadOnlyList<SinkCheck>> CheckAsync(string connectorName, JsonObject settings, CancellationToken cancellationToken);
}
