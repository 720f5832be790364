using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using IngestHub.Testing.Docker;
using Xunit;

[assembly: AssemblyFixture(typeof(IngestHub.Connectors.Elasticsearch.Tests.RealElasticsearch))]

namespace IngestHub.Connectors.Elasticsearch.Tests;

/// <summary>
/// The real Elasticsearch that the <c>elasticsearch</c> test target writes to, found once per test run: the cluster
/// named by <c>INGESTHUB_TEST_ELASTICSEARCH_URL</c>; else one single-node container (Testcontainers, without the
/// Ryuk reaper; disposed at the end of the run) of <c>INGESTHUB_TEST_ELASTICSEARCH_IMAGE</c> or, when a registry
/// serves it, the official image; else none, and those tests skip with the reason. A configured image that does
/// not start fails the tests instead of skipping them.
/// </summary>
public sealed class RealElasticsearch : IAsyncDisposable
{
    public const string UrlVariable = "INGESTHUB_TEST_ELASTICSEARCH_URL";
    public const string ImageVariable = "INGESTHUB_TEST_ELASTICSEARCH_IMAGE";
    public const string OfficialImage = "docker.elastic.co/elasticsearch/elasticsearch:9.1.0";

    private readonly Lazy<Task<Found>> _found;
    private IContainer? _container;

    public RealElasticsearch()
    {
        _found = new Lazy<Task<Found>>(FindAsync);
        Current = this;
    }

    /// <summary>The run's instance (an assembly fixture: one per test assembly run).</summary>
    public static RealElasticsearch? Current { get; private set; }

    /// <summary>Where the cluster is, or why there is none (and whether that is a configuration error).</summary>
    public readonly record struct Found(Uri? Url, string? Reason, bool Broken);

    public Task<Found> FindAsync(CancellationToken cancellationToken) => _found.Value.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
            await _container.DisposeAsync();
    }

    private async Task<Found> FindAsync()
    {
        if (Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url)
            return new Found(new Uri(url), null, false);
        string? configured = Environment.GetEnvironmentVariable(ImageVariable);
        string image = string.IsNullOrWhiteSpace(configured) ? OfficialImage : configured;

        await DockerEngine.DetectAsync(); // sets Ryuk off and the engine's API version before Testcontainers reads its settings
        TestcontainersSettings.ResourceReaperEnabled = false;
        IContainer? container = null;
        try
        {
            container = new ContainerBuilder(image)
                .WithPortBinding(9200, assignRandomHostPort: true)
                .WithEnvironment("discovery.type", "single-node")
                .WithEnvironment("xpack.security.enabled", "false")
                .WithEnvironment("action.destructive_requires_name", "false") // the tests delete their ihtest* indices by pattern
                .WithEnvironment("cluster.routing.allocation.disk.threshold_enabled", "false")
                .WithEnvironment("ES_JAVA_OPTS", "-Xms1g -Xmx1g")
                .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(
                    request => request.ForPort(9200).ForPath("/_cluster/health"), // a path only: a query would be escaped
                    wait => wait.WithTimeout(TimeSpan.FromMinutes(3))))
                .Build();
            using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(10)); // a first pull of the image is large
            await container.StartAsync(startup.Token);
            _container = container;
            // A local engine publishes on every interface: stay on loopback rather than the bridge address it names.
            string host = Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } dockerHost && !dockerHost.StartsWith("unix:", StringComparison.Ordinal)
                ? container.Hostname
                : "127.0.0.1";
            return new Found(new Uri($"http://{host}:{container.GetMappedPublicPort(9200)}/"), null, false);
        }
        catch (Exception e)
        {
            if (container is not null)
                await container.DisposeAsync();
            string reason = configured is null
                ? $"no real Elasticsearch: {UrlVariable} and {ImageVariable} are not set and the official image {OfficialImage} cannot be run here ({e.GetType().Name}: {FirstLine(e.Message)})"
                : $"{ImageVariable}={configured} did not start: {e.GetType().Name}: {FirstLine(e.Message)}";
            return new Found(null, reason, configured is not null);
        }
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }
}
