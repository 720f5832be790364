using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using IngestHub.Testing.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Testing.Redis;

/// <summary>redis-server in a Testcontainers container from <see cref="RedisTestImage"/>, its port published on
/// 127.0.0.1 only. Killed with the engine's SIGKILL and started again as the same container (same port, same
/// /data), removed on dispose. Without the Ryuk reaper a test host that is killed cannot remove its containers,
/// so each carries its owner's host name and pid, and the first container a test host starts removes those whose
/// owner is gone.</summary>
internal sealed class RedisContainerHost : IRedisHost
{
    private const string OwnerLabel = "org.ingesthub.test.owner";
    private static readonly string Owner = $"{Environment.MachineName}/{Environment.ProcessId}";
    private static readonly Lazy<Task> Sweep = new(RemoveOrphansAsync);
    private readonly IContainer _container;
    private bool _exited;

    public RedisContainerHost(string image, int hostPort, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> files)
    {
        var builder = new ContainerBuilder(image)
            .WithCommand([.. arguments])
            .WithPortBinding(hostPort, RedisServer.ContainerPort)
            .WithCreateParameterModifier(create =>
            {
                foreach (var bindings in create.HostConfig?.PortBindings?.Values ?? [])
                    foreach (var binding in bindings)
                        binding.HostIP = "127.0.0.1";
            })
            .WithLabel(OwnerLabel, Owner)
            .WithLogger(NullLogger.Instance);
        foreach (var (target, source) in files)
            builder = builder.WithResourceMapping(File.ReadAllBytes(source), target);
        _container = builder.Build();
    }

    public string? ContainerId => _container.Id;

    public string? Failure => _exited ? "container exited" : null;

    public async Task StartAsync()
    {
        await Sweep.Value;
        _exited = false;
        try
        {
            await _container.StartAsync();
        }
        catch (Exception e) when (e is global::Docker.DotNet.DockerApiException or InvalidOperationException)
        {
            // Port taken, or the server exited at once: the caller retries on another port.
            _exited = true;
        }
    }

    public async Task KillAsync()
    {
        using var client = DockerEngine.CreateClient();
        var state = (await client.Containers.InspectContainerAsync(_container.Id)).State;
        if (state is not { Running: true })
            return;
        await client.Containers.KillContainerAsync(_container.Id, new ContainerKillParameters { Signal = "KILL" });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await client.Containers.InspectContainerAsync(_container.Id)).State is { Running: true })
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"container {_container.Id} still running 30 s after SIGKILL");
            await Task.Delay(20);
        }
    }

    public Task FreezeAsync() => _container.PauseAsync();

    public Task ThawAsync() => _container.UnpauseAsync();

    public async Task<string> OutputAsync()
    {
        try
        {
            var (stdout, stderr) = await _container.GetLogsAsync(timestampsEnabled: false);
            return stdout + stderr;
        }
        catch (Exception e) when (e is global::Docker.DotNet.DockerApiException or InvalidOperationException)
        {
            return "(no logs: " + e.Message + ")";
        }
    }

    public ValueTask DisposeAsync() => _container.DisposeAsync();

    private static async Task RemoveOrphansAsync()
    {
        using var client = DockerEngine.CreateClient();
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [OwnerLabel] = true } },
        });
        foreach (var container in containers)
        {
            if (container.Labels?.TryGetValue(OwnerLabel, out var owner) != true || !IsOrphan(owner!))
                continue;
            try
            {
                await client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
            }
            catch (global::Docker.DotNet.DockerApiException)
            {
                // Removed meanwhile by someone else: fine.
            }
        }
    }

    // Only this machine's containers are judged: a pid means nothing on another host.
    private static bool IsOrphan(string owner)
    {
        int slash = owner.LastIndexOf('/');
        return slash > 0 && owner[..slash] == Environment.MachineName
            && int.TryParse(owner[(slash + 1)..], out int pid) && !Directory.Exists($"/proc/{pid}");
    }
}
