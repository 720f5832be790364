using IngestHub.Broker;
using IngestHub.Connectors.Elasticsearch;
using IngestHub.Connectors.Redis;
using IngestHub.Pipelines.Runtime;
using IngestHub.Pipelines.Sinks;
using IngestHub.Server.Api;
using IngestHub.Server.Configuration;
using IngestHub.Server.Monitoring;
using IngestHub.Server.Pipelines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IngestHub.Server;

/// <summary>
/// Builds and runs the appliance: configuration (ingesthub.yaml, INGESTHUB__ environment variables, flags),
/// the broker as a hosted service, and the HTTP endpoints.
/// </summary>
public static class IngestHubApp
{
    /// <summary>Command-line flags and the configuration keys they set.</summary>
    public static readonly IReadOnlyDictionary<string, string> FlagMappings = new Dictionary<string, string>
    {
        ["--config"] = "config",
        ["--config-dir"] = "config-dir",
        ["--pipelines-dir"] = "pipelines:Directory",
        ["--pipelines-bootstrap"] = "pipelines:BootstrapServers",
        ["--data-dir"] = "broker:DataDir",
        ["--kafka-port"] = "broker:Port",
        ["--kafka-host"] = "broker:ListenAddress",
        ["--advertised-host"] = "broker:AdvertisedHost",
        ["--advertised-port"] = "broker:AdvertisedPort",
        ["--node-id"] = "broker:NodeId",
        ["--http-port"] = "http:Port",
        ["--http-host"] = "http:Host",
        ["--fsync-on-acks-all"] = "broker:FsyncOnAcksAll",
        ["--num-partitions"] = "broker:NumPartitions",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException or FileNotFoundException)
        {
            await Console.Error.WriteLineAsync($"ingesthub: {ex.Message}");
            return 2;
        }
        await app.RunAsync();
        return 0;
    }

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        var commandLine = new ConfigurationBuilder().AddCommandLine(args, (IDictionary<string, string>)FlagMappings).Build();
        string? configFile = commandLine["config"];
        string configDirectory = commandLine["config-dir"] ?? (configFile is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(configFile))!);
        builder.Configuration.Sources.Clear();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
                throw new FileNotFoundException($"configuration file {configFile} does not exist");
            ((IConfigurationBuilder)builder.Configuration).Add(new YamlConfigurationSource { Path = Path.GetFileName(configFile), Optional = false, FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(Path.GetFullPath(configFile))!) });
        }
        else if (File.Exists("ingesthub.yaml"))
        {
            ((IConfigurationBuilder)builder.Configuration).Add(new YamlConfigurationSource { Path = "ingesthub.yaml", Optional = true, FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Directory.GetCurrentDirectory()) });
        }
        builder.Configuration.AddEnvironmentVariables("INGESTHUB__");
        builder.Configuration.AddCommandLine(args, (IDictionary<string, string>)FlagMappings);

        builder.Logging.ClearProviders();
        // Request logs at Info would log every dashboard poll.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        var brokerOptions = new BrokerOptions();
        builder.Configuration.GetSection("broker").Bind(brokerOptions);
        builder.Services.AddSingleton(brokerOptions);
        builder.Services.AddSingleton(sp => new KafkaBroker(brokerOptions, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddHostedService<BrokerHostedService>();

        var pipelinesOptions = new PipelinesOptions();
        builder.Configuration.GetSection("pipelines").Bind(pipelinesOptions);
        pipelinesOptions.Directory ??= Path.Combine(configDirectory, "pipelines");
        builder.Services.AddSingleton(pipelinesOptions);
        builder.Services.AddSingleton<PipelineMetrics>();
        builder.Services.AddSingleton<ISinkFactory, RedisSinkFactory>();
        builder.Services.AddSingleton<ISinkFactory, ElasticsearchSinkFactory>();
        builder.Services.AddSingleton<IConnectorCompiler>(sp => new PipelineCompiler(sp.GetServices<ISinkFactory>(), sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<PipelinesHost>();
        // Registered after the broker: hosted services start in order (the broker must listen first) and stop in
        // reverse (connectors drain and commit before the broker stops).
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PipelinesHost>());

        string httpHost = builder.Configuration["http:Host"] ?? "127.0.0.1";
        int httpPort = builder.Configuration.GetValue("http:Port", 8080);
        builder.WebHost.UseUrls($"http://{httpHost}:{httpPort}");

        builder.Services.AddIngestHubMonitoring(builder.Configuration);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapIngestHubMonitoring();
        app.MapConnectorEndpoints();
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
        app.MapGet("/readyz", (KafkaBroker broker) => broker.IsReady ? Results.Ok(new { status = "ready" }) : Results.StatusCode(503));
        return app;
    }
}
