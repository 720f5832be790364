using IngestHub.Broker;
using IngestHub.Client;
using IngestHub.Inputs;
using IngestHub.Inputs.Syslog;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server.Inputs;

/// <summary>Starts the inputs' producer (to the embedded broker) once the broker listens, and the syslog listeners when
/// enabled; stops them before the broker stops.</summary>
public sealed class InputsHost(KafkaBroker broker, InputRegistry registry, InputsKafkaSettings kafka, ILoggerFactory loggerFactory, ILogger<InputsHost> logger) : IHostedService, IAsyncDisposable
{
    private InputProducer? _producer;
    private SyslogListener? _syslog;

    /// <summary>The syslog listener when <c>inputs.syslog.enabled</c> (its bound ports), else null.</summary>
    public SyslogListener? Syslog => _syslog;

    /// <summary>Null until the host has started.</summary>
    public InputProducer? Producer => _producer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        string bootstrap = kafka.BootstrapServers ?? $"{broker.AdvertisedHost}:{broker.AdvertisedPort}";
        _producer = new InputProducer(kafka.ClientOptions(bootstrap, "ingesthub-inputs"), loggerFactory.CreateLogger<KafkaProducer>());
        var o = registry.Options;
        if (o.Syslog.Enabled)
        {
            _syslog = new SyslogListener(o.Syslog, _producer, registry.Syslog, loggerFactory.CreateLogger<SyslogListener>());
            _syslog.Start();
        }
        logger.LogInformation("Inputs: http {Http}, otlp {Otlp}, syslog {Syslog}", o.Http.Enabled ? "on" : "off", o.Otlp.Enabled ? "on" : "off",
            _syslog is not null ? $"{o.Syslog.Host}:{_syslog.TcpPort} tcp+udp → {o.Syslog.Topic}" : "off");
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_syslog is not null)
            await _syslog.DisposeAsync();
        _syslog = null;
        if (_producer is not null)
            await _producer.DisposeAsync();
        _producer = null;
    }
}
