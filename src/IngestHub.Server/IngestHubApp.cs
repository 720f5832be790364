using IngestHub.Autoscaler;
using IngestHub.Broker;
using IngestHub.Connectors.Elasticsearch;
using IngestHub.Connectors.Redis;
using IngestHub.Pipelines.Runtime;
using IngestHub.Pipelines.Sinks;
using IngestHub.Server.Api;
using IngestHub.Server.Autoscaling;
using IngestHub.Server.Configuration;
using IngestHub.Server.Inputs;
using IngestHub.Server.Monitoring;
using IngestHub.Server.Pipelines;
using IngestHub.Server.Security;
using IngestHub.Server.Topologies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        ["--topologies-dir"] = "topologies:Directory",
        ["--data-dir"] = "broker:DataDir",
        ["--kafka-port"] = "broker:Port",
        ["--kafka-host"] = "broker:ListenAddress",
        ["--listeners"] = "broker:Listeners",
        ["--advertised-listeners"] = "broker:AdvertisedListeners",
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
        // A limit out of range stops startup here, naming the setting (RunAsync prints it and exits 2).
        brokerOptions.Validate();
        builder.Services.AddSingleton(brokerOptions);
        var clusterOptions = new IngestHub.Cluster.ClusterOptions();
        builder.Configuration.GetSection("cluster").Bind(clusterOptions);
        // Without cluster.etcd_endpoints the broker runs alone (the default); with them it replicates with its peers.
        builder.Services.AddSingleton(sp => new KafkaBroker(brokerOptions, sp.GetRequiredService<ILoggerFactory>())
        {
            Cluster = clusterOptions.Enabled ? new IngestHub.Cluster.EtcdBrokerCluster(clusterOptions, sp.GetRequiredService<ILoggerFactory>()) : null,
        });
        builder.Services.AddHostedService<BrokerHostedService>();

        var pipelinesOptions = new PipelinesOptions();
        builder.Configuration.GetSection("pipelines").Bind(pipelinesOptions);
        pipelinesOptions.Directory ??= Path.Combine(configDirectory, "pipelines");
        // A security setting of the connectors' Kafka connection that cannot work stops startup here, naming it.
        _ = pipelinesOptions.ClientOptions(pipelinesOptions.BootstrapServers ?? "127.0.0.1:9092");
        builder.Services.AddSingleton(pipelinesOptions);
        builder.Services.AddSingleton<PipelineMetrics>();
        builder.Services.AddSingleton<ISinkFactory, RedisSinkFactory>();
        builder.Services.AddSingleton<ISinkFactory, ElasticsearchSinkFactory>();
        builder.Services.AddSingleton(sp => new PipelineCompiler(sp.GetServices<ISinkFactory>(), sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<IConnectorCompiler>(sp => sp.GetRequiredService<PipelineCompiler>());
        builder.Services.AddSingleton<ConnectorValidator>();
        builder.Services.AddSingleton<ConnectorConnectionTest>();
        builder.Services.AddSingleton<PipelinesHost>();
        // Registered after the broker: hosted services start in order (the broker must listen first) and stop in
        // reverse (connectors drain and commit before the broker stops).
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PipelinesHost>());
        builder.Services.AddIngestHubTopologies(builder.Configuration, configDirectory);
        // Spill state is read before the connectors start (a spill in progress decides their mode); the autoscaler
        // itself starts after them and stops before them.
        builder.Services.AddSingleton(sp => new SpillStateStore(Path.Combine(brokerOptions.DataDir, "autoscaler"), sp.GetRequiredService<ILogger<SpillStateStore>>()));
        builder.Services.AddSingleton<IConnectorModeSource>(sp => sp.GetRequiredService<SpillStateStore>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AutoscalerHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AutoscalerHost>());
        builder.Services.AddIngestHubInputs(builder.Configuration);

        builder.AddIngestHubHttpSecurity();

        builder.Services.AddIngestHubMonitoring(builder.Configuration);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapIngestHubMonitoring();
        app.UseIngestHubHttpSecurity();
        app.MapConnectorEndpoints();
        app.MapTopologyEndpoints();
        app.MapAutoscalerEndpoints();
        app.MapIngestHubInputs();
        app.MapConnectorPluginEndpoints();
        app.MapConnectorTrialEndpoints();
        // Anonymous: the state only; the cause is in /api/overview (broker.storage).
        app.MapGet("/healthz", (KafkaBroker broker) => broker.Storage.IsFailing
            ? Results.Ok(new { status = "degraded", storage = "failing" })
            : Results.Ok(new { status = "ok" })).AllowAnonymous();
        app.MapGet("/readyz", (KafkaBroker broker) => broker.IsReady ? Results.Ok(new { status = "ready" }) : Results.StatusCode(503)).AllowAnonymous();
        return app;
    }
}
