using System.Diagnostics;
using IngestHub.Connectors.Redis.Resp;

namespace IngestHub.Connectors.Redis.Tests;

public class RedisClientTests(RedisServerFixture fixture) : IClassFixture<RedisServerFixture>
{
    private readonly RedisServer _server = fixture.Server;

    [Fact]
    public async Task Pipeline_of_10000_commands_returns_every_reply_in_order()
    {
        await using var client = _server.CreateClient();
        var key = "pipeline-" + Guid.NewGuid();
        var commands = new RedisCommand[10_000];
        for (int i = 0; i < commands.Length; i++)
            commands[i] = new RedisCommand("RPUSH", key, i);

        var clock = Stopwatch.StartNew();
        var replies = await client.PipelineAsync(commands, TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"10,000 RPUSH in one pipeline: {clock.Elapsed.TotalMilliseconds:0.0} ms");

        Assert.Equal(commands.Length, replies.Length);
        for (int i = 0; i < replies.Length; i++)
        {
            Assert.Equal(RedisReplyKind.Integer, replies[i].Kind);
            Assert.Equal(i + 1, replies[i].Integer);
        }
        var last = await client.ExecuteAsync(new RedisCommand("LINDEX", key, -1), TestContext.Current.CancellationToken);
        Assert.Equal("9999", last.Text);
    }

    [Fact]
    public async Task Error_reply_throws_RedisException_and_the_connection_stays_usable()
    {
        await using var client = _server.CreateClient();
        var key = "text-" + Guid.NewGuid();
        await client.ExecuteAsync("SET", key, "not a list");

        var error = await Assert.ThrowsAsync<RedisException>(() => client.ExecuteAsync("LPUSH", key, "x"));
        Assert.Equal("WRONGTYPE", error.ErrorPrefix);
        var unknown = await Assert.ThrowsAsync<RedisException>(() => client.ExecuteAsync("NOSUCHCOMMAND"));
        Assert.Equal("ERR", unknown.ErrorPrefix);

        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);
    }

    [Fact]
    public async Task Pipeline_returns_an_error_reply_in_place_without_failing_the_others()
    {
        await using var client = _server.CreateClient();
        var text = "text-" + Guid.NewGuid();
        var list = "list-" + Guid.NewGuid();
        await client.ExecuteAsync("SET", text, "v");

        var replies = await client.PipelineAsync([new("RPUSH", list, "a"), new("RPUSH", text, "b"), new("RPUSH", list, "c")], TestContext.Current.CancellationToken);

        Assert.Equal(1, replies[0].Integer);
        Assert.Equal("WRONGTYPE", replies[1].ErrorPrefix);
        Assert.Equal(2, replies[2].Integer);
    }

    [Fact]
    public async Task Select_writes_to_the_configured_database()
    {
        await using var db3 = _server.CreateClient(database: 3);
        await using var db0 = _server.CreateClient();
        var key = "selected-" + Guid.NewGuid();

        await db3.ExecuteAsync("SET", key, "in three");

        Assert.Equal("in three", (await db3.ExecuteAsync("GET", key)).Text);
        Assert.True((await db0.ExecuteAsync("GET", key)).IsNull);
    }

    [Fact]
    public async Task Command_times_out_while_the_server_is_frozen_and_the_client_recovers()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = server.CreateClient(TimeSpan.FromMilliseconds(300));
        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);

        await server.SignalAsync("STOP");
        try
        {
            var clock = Stopwatch.StartNew();
            var timeout = await Assert.ThrowsAsync<RedisConnectionException>(() => client.ExecuteAsync("PING"));
            Assert.Contains("timed out", timeout.Message, StringComparison.Ordinal);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
        }
        finally
        {
            await server.SignalAsync("CONT");
        }

        // The timed-out connection was dropped (its late reply must not answer the next command).
        Assert.Equal("v", (await client.PipelineAsync([new("SET", "k", "v"), new("GET", "k")], TestContext.Current.CancellationToken))[1].Text);
    }

    [Fact]
    public async Task Client_reconnects_after_the_server_is_killed_and_restarted_on_the_same_port()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = server.CreateClient(TimeSpan.FromMilliseconds(500));
        await client.ExecuteAsync("SET", "k", "before");

        await server.KillAsync();
        await Assert.ThrowsAsync<RedisConnectionException>(() => client.ExecuteAsync("GET", "k"));

        await server.RestartAsync();
        // The pooled connection died with the old process; the client must notice and reconnect.
        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);
        Assert.True((await client.ExecuteAsync("GET", "k")).IsNull, "a fresh server without persistence has no data");
    }

    [Fact]
    public async Task Connect_to_a_closed_port_fails_after_retrying_until_the_connect_timeout()
    {
        await using var server = await RedisServer.StartAsync();
        await server.KillAsync();
        await using var client = server.CreateClient(TimeSpan.FromMilliseconds(400));

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.ExecuteAsync("PING"));

        Assert.Contains("cannot connect", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Commands_from_many_callers_share_the_pool()
    {
        await using var client = new RedisClient(new RedisOptions { Port = _server.Port, PoolSize = 2 });
        var key = "counter-" + Guid.NewGuid();
        var calls = new Task[50];
        for (int i = 0; i < calls.Length; i++)
            calls[i] = client.ExecuteAsync("INCR", key);
        await Task.WhenAll(calls);
        Assert.Equal("50", (await client.ExecuteAsync("GET", key)).Text);
    }
}
