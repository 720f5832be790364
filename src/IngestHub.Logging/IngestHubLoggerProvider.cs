using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IngestHub.Logging;

/// <summary>
/// Ships Microsoft.Extensions.Logging events to an IngestHub topic, one JSON record per event. Filters come from the
/// logging framework (<c>Logging:IngestHub:LogLevel</c> applies to this provider); scopes come from the external scope
/// provider the framework sets. A log call encodes the event and queues it without waiting; one background loop
/// sends. Disposing (host shutdown) sends what is held within <see cref="IngestHubLoggerOptions.ShutdownTimeout"/>.
/// </summary>
[ProviderAlias("IngestHub")]
public sealed class IngestHubLoggerProvider : ILoggerProvider, ISupportExternalScope, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, IngestHubLogger> _loggers = new(StringComparer.Ordinal);
    private IExternalScopeProvider _scopeProvider = new LoggerExternalScopeProvider();
    private IServiceProvider? _services;

    /// <summary>Used by <c>AddIngestHub</c>: options from configuration and code; diagnostics go to the host's other providers.</summary>
    [ActivatorUtilitiesConstructor]
    public IngestHubLoggerProvider(IOptions<IngestHubLoggerOptions> options, IServiceProvider services)
        : this(options.Value, (ILoggerFactory?)null)
    {
        _services = services;
    }

    /// <summary>A provider outside dependency injection; <paramref name="diagnostics"/> receives the provider's own
    /// warnings (dropped events, an unreachable broker).</summary>
    public IngestHubLoggerProvider(IngestHubLoggerOptions options, ILoggerFactory? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Service = new ServiceIdentity(options);
        Shipper = new LogShipper(options, diagnostics);
    }

    public IngestHubLoggerOptions Options { get; }

    /// <summary>Received, sent, dropped (by reason) and held events; also published as <c>ingesthub.logging.*</c> metrics.</summary>
    public LogShippingStatistics Statistics => Shipper.Statistics;

    internal ServiceIdentity Service { get; }
    internal LogShipper Shipper { get; }
    internal IExternalScopeProvider ScopeProvider => _scopeProvider;

    /// <summary>Categories never shipped: the Kafka client's and the provider's own (they log about shipping).</summary>
    public static bool IsOwnCategory(string category) =>
        category.StartsWith("IngestHub.Client", StringComparison.Ordinal) || category.StartsWith("IngestHub.Logging", StringComparison.Ordinal);

    public ILogger CreateLogger(string categoryName)
    {
        if (_services is { } services)
        {
            // The host's factory exists once loggers are created from it: the shipper's diagnostics go there.
            _services = null;
            try
            {
                Shipper.Diagnostics = services.GetService<ILoggerFactory>();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        return _loggers.GetOrAdd(categoryName, static (name, self) => new IngestHubLogger(name, self), this);
    }

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopeProvider = scopeProvider;

    /// <summary>Waits until every event logged so far is acknowledged (or dropped and counted).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => Shipper.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => Shipper.DisposeAsync();

    public void Dispose() => Shipper.Dispose();
}
