using System.Security.Authentication;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Events;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Connectors.Redis.Tests;

public sealed class TlsRedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => _server = await RedisServer.StartAsync(tls: true);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}

public class RedisTlsTests(TlsRedisServerFixture fixture) : IClassFixture<TlsRedisServerFixture>
{
    private readonly RedisServer _server = fixture.Server;

    [Fact]
    public async Task Tls_connection_trusting_the_ca_file_runs_commands()
    {
        await using var client = _server.CreateClient();
        await client.ExecuteAsync("SET", "tls-key", "over tls");
        Assert.Equal("over tls", (await client.ExecuteAsync("GET", "tls-key")).Text);
    }

    [Fact]
    public async Task Tls_connection_without_the_ca_file_rejects_the_certificate()
    {
        var options = _server.Options(TimeSpan.FromMilliseconds(300));
        await using var client = new RedisClient(new RedisOptions { Port = options.Port, UseTls = true, ConnectTimeout = options.ConnectTimeout });
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.ExecuteAsync("PING"));
        Assert.IsType<AuthenticationException>(error.InnerException);
    }

    [Fact]
    public async Task Sink_writes_over_tls()
    {
        var settings = JsonNode.Parse($$"""{"port":{{_server.Port}},"tls":true,"tls.ca.file":"{{_server.Certificates!.CaFile}}","key":"tls-list"}""")!.AsObject();
        await using var sink = new RedisSinkFactory().Create("tls", settings, NullLoggerFactory.Instance);
        await sink.StartAsync(TestContext.Current.CancellationToken);

        var result = await sink.WriteAsync([new LogEvent(new JsonObject { ["message"] = "secret" })], TestContext.Current.CancellationToken);

        Assert.Empty(result.Rejected);
        await using var client = _server.CreateClient();
        Assert.Equal("{\"message\":\"secret\"}", (await client.ExecuteAsync("LINDEX", "tls-list", 0)).Text);
    }
}
