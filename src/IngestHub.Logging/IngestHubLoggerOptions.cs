using IngestHub.Client;
using IngestHub.Protocol.Records;

namespace IngestHub.Logging;

/// <summary>
/// Where and how log events are shipped. Bound from <c>Logging:IngestHub</c> when the host's logging
/// configuration is used; the same options drive the Serilog sink.
/// </summary>
public sealed class IngestHubLoggerOptions
{
    /// <summary>Kafka <c>bootstrap.servers</c> of the appliance (or any Kafka cluster).</summary>
    public string BootstrapServers { get; set; } = "localhost:9092";

    /// <summary>Topic the records are written to.</summary>
    public string Topic { get; set; } = "app-logs";

    /// <summary><c>service.name</c> of every record; default <c>OTEL_SERVICE_NAME</c>, else the entry assembly's name.</summary>
    public string? ServiceName { get; set; }

    /// <summary><c>service.instance</c>; default the machine name and process id.</summary>
    public string? ServiceInstance { get; set; }

    /// <summary><c>service.environment</c>; default <c>DOTNET_ENVIRONMENT</c> / <c>ASPNETCORE_ENVIRONMENT</c>, else Production.</summary>
    public string? Environment { get; set; }

    /// <summary>A structured property (or scope property) whose value becomes the record key; events without it are
    /// keyed by the service name. Null keys every record by the service name, so one service's lines stay in order.</summary>
    public string? KeyField { get; set; }

    /// <summary>Whether scopes (<c>BeginScope</c>) are written into each record.</summary>
    public bool IncludeScopes { get; set; } = true;

    /// <summary>Most events held (queued and not yet acknowledged) before the <see cref="QueueFullMode"/> applies.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Most bytes of encoded events held (queued and not yet acknowledged).</summary>
    public long QueueBytesLimit { get; set; } = 32L * 1024 * 1024;

    /// <summary>Which event is dropped when the queue is full.</summary>
    public QueueFullMode QueueFullMode { get; set; } = QueueFullMode.DropNewest;

    /// <summary>Largest encoded event; a bigger one is dropped and counted (reason <c>oversize</c>).</summary>
    public int MaxEventBytes { get; set; } = 512 * 1024;

    /// <summary>Most events handed to the producer per pass of the sender.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Most events handed to the producer and not yet acknowledged; the rest wait in the queue (where
    /// <see cref="QueueFullMode.DropOldest"/> can still drop them).</summary>
    public int MaxInFlight { get; set; } = 2000;

    /// <summary>Producer <c>linger.ms</c>.</summary>
    public int LingerMs { get; set; } = 20;

    /// <summary>Producer <c>acks</c>.</summary>
    public Acks Acks { get; set; } = Acks.All;

    /// <summary>Producer <c>compression.type</c>.</summary>
    public CompressionType Compression { get; set; } = CompressionType.None;

    /// <summary>Producer <c>client.id</c>.</summary>
    public string ClientId { get; set; } = "ingesthub-logging";

    /// <summary>How long disposing the provider (host shutdown) waits for queued events to be acknowledged.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often dropped events are reported (at Warning, to the other logging providers).</summary>
    public TimeSpan DropReportInterval { get; set; } = TimeSpan.FromSeconds(30);
}
