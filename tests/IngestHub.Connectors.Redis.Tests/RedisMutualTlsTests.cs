using IngestHub.Pipelines.Sinks;
using IngestHub.Testing.Redis;
using static IngestHub.Connectors.Redis.Tests.RedisSinks;

namespace IngestHub.Connectors.Redis.Tests;

public class RedisMutualTlsTests(MutualTlsRedisServerFixture fixture) : IClassFixture<MutualTlsRedisServerFixture>
{
    private readonly RedisServer _server = fixture.Server;

    [Fact]
    public async Task Client_certificate_from_pem_files_is_presented_and_accepted()
    {
        var key = "mtls-" + Guid.NewGuid();
        var certificates = _server.Certificates!;
        await using var sink = await StartAsync(_server, new() { ["key"] = key, ["tls.cert.file"] = certificates.ClientCertFile, ["tls.key.file"] = certificates.ClientKeyFile });
        Assert.Empty((await sink.WriteAsync([Event(0, "mutual")], Ct)).Rejected);
        Assert.Equal(1, await (await _server.DatabaseAsync()).ListLengthAsync(key));
    }

    [Fact]
    public async Task Without_a_client_certificate_the_server_refuses_and_the_sink_is_unavailable()
    {
        await using var sink = Create(For(_server, new() { ["timeout.ms"] = 2000 }));
        await Assert.ThrowsAsync<SinkUnavailableException>(async () =>
        {
            await sink.StartAsync(Ct);
            await sink.WriteAsync([Event(0, "x")], Ct);
        });
    }
}
