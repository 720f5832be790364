using IngestHub.Broker;
using IngestHub.Monitoring;
using IngestHub.Server.Api;
using IngestHub.Server.Autoscaling;
using IngestHub.Server.Pipelines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;

namespace IngestHub.Server.Monitoring;

/// <summary>Registers the sampler (lag monitor, topic and connector rates), history and OTLP export, and maps the monitoring API, <c>/metrics</c> and the
/// dashboard's static files.</summary>
public static class MonitoringExtensions
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    private const string MappedKey = "ingesthub.monitoring.mapped";

    public static IServiceCollection AddIngestHubMonitoring(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(MonitoringHistory)))
            return services; // already added (calling twice is harmless)
        var options = new MonitoringOptions();
        configuration.GetSection("monitoring").Bind(options);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MonitoringHistory>();
        services.AddSingleton<MonitoringSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<MonitoringSampler>());

        // The appliance's configuration only reads INGESTHUB__ variables, so the standard OTel variables are read here.
        string? endpoint = configuration[OtlpEndpointVariable] ?? Environment.GetEnvironmentVariable(OtlpEndpointVariable);
        if (!string.IsNullOrWhiteSpace(endpoint) && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            string protocol = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "grpc";
            string service = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "ingesthub";
            services.AddHostedService(_ => new OtlpMetricsExport(uri, protocol, service));
        }
        return services;
    }

    public static WebApplication MapIngestHubMonitoring(this WebApplication app)
    {
        var properties = ((IApplicationBuilder)app).Properties;
        if (properties.ContainsKey(MappedKey))
            return app;
        properties[MappedKey] = true;
        string webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (Directory.Exists(webRoot))
        {
            var files = new PhysicalFileProvider(webRoot);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
            });
        }
        app.MapMonitoringEndpoints();
        app.MapBurrowEndpoints();
        app.MapClusterEndpoints();
        app.MapGet("/metrics", (KafkaBroker broker, MonitoringHistory history, MonitoringSampler sampler, IServiceProvider services) =>
        {
            string text = MetricsExposition.Render(broker, history, sampler.Monitor?.Groups ?? [], services.GetService<PipelinesHost>()?.Registry,
                    services.GetService<AutoscalerHost>()?.Service?.Targets)
                + IngestHub.Server.Inputs.InputMetrics.Render(services.GetService<IngestHub.Inputs.InputRegistry>());
            foreach (var section in services.GetServices<IMetricsSection>())
            {
                var writer = new PrometheusTextWriter();
                section.Write(writer);
                text += writer.ToString();
            }
            return Results.Text(text, PrometheusTextWriter.ContentType);
        });
        return app;
    }
}
