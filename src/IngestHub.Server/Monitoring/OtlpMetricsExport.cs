using IngestHub.Broker;
using IngestHub.Pipelines.Runtime;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace IngestHub.Server.Monitoring;

/// <summary>
/// Exports the broker, pipeline and topology meters over OTLP while the host runs (only registered when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set); stopping flushes the last interval.
/// </summary>
public sealed class OtlpMetricsExport(Uri endpoint, string protocol, string serviceName) : IHostedService, IDisposable
{
    private MeterProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        bool http = protocol.StartsWith("http", StringComparison.OrdinalIgnoreCase);
        // Set in code, the endpoint is used as is, so over HTTP it must name the metrics path.
        var target = http && !endpoint.AbsolutePath.EndsWith("/v1/metrics", StringComparison.Ordinal)
            ? new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/v1/metrics")
            : endpoint;
        _provider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.AddService(serviceName))
            .AddMeter(BrokerMetrics.MeterName, PipelineMetrics.MeterName, Topologies.TopologyInstruments.MeterName)
            .AddOtlpExporter(o =>
            {
                o.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                o.Endpoint = target;
            })
            .Build();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.ForceFlush(5000);
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _provider?.Dispose();
        _provider = null;
    }
}
