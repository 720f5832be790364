using IngestHub.Pipelines.Sinks;
using IngestHub.Testing.Redis;
using static IngestHub.Connectors.Redis.Tests.RedisSinks;

namespace IngestHub.Connectors.Redis.Tests;

public class RedisTlsTests(TlsRedisServerFixture fixture) : IClassFixture<TlsRedisServerFixture>
{
    private readonly RedisServer _server = fixture.Server;

    [Fact]
    public async Task Sink_writes_over_tls_trusting_the_ca_file()
    {
        var key = "tls-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new() { ["key"] = key });
        Assert.Empty((await sink.WriteAsync([Event(0, "secret")], Ct)).Rejected);
        var stored = await (await _server.DatabaseAsync()).ListGetByIndexAsync(key, 0);
        Assert.Contains("\"secret\"", stored.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ssl_in_the_configuration_string_with_the_ca_file_writes_over_tls()
    {
        var key = "tls-conf-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new() { ["configuration"] = $"127.0.0.1:{_server.Port},ssl=true", ["tls.ca.file"] = _server.Certificates!.CaFile, ["key"] = key });
        Assert.Empty((await sink.WriteAsync([Event(0, "secret")], Ct)).Rejected);
        Assert.Equal(1, await (await _server.DatabaseAsync()).ListLengthAsync(key));
    }

    [Fact]
    public async Task Without_the_ca_file_the_certificate_is_rejected_and_the_sink_is_unavailable()
    {
        await using var sink = Create(new() { ["port"] = _server.Port, ["tls"] = true, ["timeout.ms"] = 2000 });
        var error = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.StartAsync(Ct).AsTask());
        Assert.Contains(_server.Endpoint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_connection_to_a_tls_port_is_unavailable_not_stuck()
    {
        await using var sink = Create(new() { ["port"] = _server.Port, ["timeout.ms"] = 1000 });
        await Assert.ThrowsAsync<SinkUnavailableException>(async () =>
        {
            await sink.StartAsync(Ct);
            await sink.WriteAsync([Event(0, "x")], Ct);
        });
    }
}
