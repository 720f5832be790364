using Docker.DotNet;
using IngestHub.Testing.Docker;
using IngestHub.Testing.Redis;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>The shared Redis fixture's container path: what CI relies on when a Docker engine runs.</summary>
public class RedisServerFixtureTests
{
    [Fact]
    public async Task Container_publishes_its_port_on_loopback_only_and_is_removed_on_dispose()
    {
        // INGESTHUB_TEST_REDIS=container (set by CI) turns a missing engine into a failure instead.
        if (await DockerEngine.DetectAsync() is null && Environment.GetEnvironmentVariable("INGESTHUB_TEST_REDIS") != "container")
            Assert.Skip("no Docker engine answers on this machine (DOCKER_HOST or /var/run/docker.sock)");

        string id;
        await using (var server = await RedisServer.StartAsync(new RedisServerOptions { Runtime = RedisRuntime.Container }))
        {
            Assert.Equal(RedisRuntime.Container, server.Runtime);
            id = server.ContainerId!;
            using var client = DockerEngine.CreateClient();
            var container = await client.Containers.InspectContainerAsync(id, TestContext.Current.CancellationToken);
            var binding = Assert.Single(container.HostConfig!.PortBindings![$"{RedisServer.ContainerPort}/tcp"]);
            Assert.Equal("127.0.0.1", binding.HostIP);
            Assert.Equal(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), binding.HostPort);
            Assert.StartsWith(RedisTestImage.Repository + ":", container.Config!.Image, StringComparison.Ordinal);

            var db = await server.DatabaseAsync();
            await db.StringSetAsync("fixture", "in a container");
            Assert.Equal("in a container", (await db.StringGetAsync("fixture")).ToString());
        }

        using var engine = DockerEngine.CreateClient();
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => engine.Containers.InspectContainerAsync(id, TestContext.Current.CancellationToken));
    }
}
