using IngestHub.Logging;
using IngestHub.Logging.Serilog;
using Serilog.Configuration;
using Serilog.Events;

namespace Serilog;

/// <summary><c>new LoggerConfiguration().WriteTo.IngestHub("ingesthub:9092", "app-logs")</c>.</summary>
public static class IngestHubSinkExtensions
{
    /// <summary>Adds the IngestHub sink; <paramref name="configure"/> sets the other options (service name, key field,
    /// queue limits) after the bootstrap servers and topic.</summary>
    public static LoggerConfiguration IngestHub(
        this LoggerSinkConfiguration sinkConfiguration,
        string bootstrapServers,
        string topic = "app-logs",
        Action<IngestHubLoggerOptions>? configure = null,
        LogEventLevel restrictedToMinimumLevel = LevelAlias.Minimum)
    {
        ArgumentNullException.ThrowIfNull(sinkConfiguration);
        var options = new IngestHubLoggerOptions { BootstrapServers = bootstrapServers, Topic = topic };
        configure?.Invoke(options);
#pragma warning disable CA2000 // the logger owns its sinks and disposes them with itself
        return sinkConfiguration.Sink(new IngestHubSink(options), restrictedToMinimumLevel);
#pragma warning restore CA2000
    }
}
