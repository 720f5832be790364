using Docker.DotNet;

namespace IngestHub.Testing.Docker;

/// <summary>
/// Whether a Docker engine answers (DOCKER_HOST, else the local socket), checked once per test process. Prepares
/// Testcontainers for this machine before its settings are first read: no Ryuk reaper (no registry to pull it
/// from; fixtures dispose their own containers) and an API version the engine speaks (Debian 12's dockerd 20.10
/// stops at 1.41, older than the client's default).
/// </summary>
public static class DockerEngine
{
    private static readonly Lazy<Task<DockerEngineInfo?>> Probe = new(ProbeAsync);

    /// <summary>The engine's version, or null when none answers within a few seconds.</summary>
    public static Task<DockerEngineInfo?> DetectAsync() => Probe.Value;

    /// <summary>A client for the engine (unversioned requests: the engine answers in its own version).</summary>
    public static DockerClient CreateClient() => new DockerClientBuilder().WithTimeout(TimeSpan.FromSeconds(60)).Build();

    private static async Task<DockerEngineInfo?> ProbeAsync()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED")))
            Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        try
        {
            using var client = new DockerClientBuilder().WithTimeout(TimeSpan.FromSeconds(5)).Build();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var version = await client.System.GetVersionAsync(timeout.Token);
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_API_VERSION"))
                && Version.TryParse(version.APIVersion, out var api) && api < new Version(1, 44))
                Environment.SetEnvironmentVariable("DOCKER_API_VERSION", version.APIVersion);
            return new DockerEngineInfo(version.Version, version.APIVersion);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or DockerApiException or TimeoutException)
        {
            return null;
        }
    }
}
