using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace IngestHub.Pipelines.Sinks;

/// <summary>Creates sinks of one output type (<c>redis</c>, <c>elasticsearch</c>) from their settings.</summary>
public interface ISinkFactory
{
    string Type { get; }

    /// <summary>Validates settings and builds the sink; throws <see cref="Configuration.ConfigException"/> naming
    /// the offending key.</summary>
    ISink Create(string connectorName, JsonObject settings, ILoggerFactory loggerFactory);
}
