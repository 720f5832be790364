using IngestHub.Pipelines.Sinks;
using IngestHub.Testing;
using IngestHub.Testing.Redis;
using static IngestHub.Connectors.Redis.Tests.RedisSinks;

namespace IngestHub.Connectors.Redis.Tests;

/// <summary>A server that dies, freezes or runs out of memory: each test throws its own server away, so these run
/// as child processes (a container would add its start cost to every test for nothing these prove).</summary>
public class RedisSinkFailureTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly RedisServerOptions Process = new() { Runtime = RedisRuntime.Process };

    [Fact]
    public async Task Server_down_makes_the_sink_unavailable_with_a_clear_reason_until_it_is_back()
    {
        await using var server = await RedisServer.StartAsync(Process);
        var key = "down-" + Guid.NewGuid();
        await using var sink = await StartAsync(server, new() { ["key"] = key, ["timeout.ms"] = 1000 });
        await sink.WriteAsync([Event(0, "before")], Ct);

        await server.KillAsync();
        var down = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.WriteAsync([Event(1, "during")], Ct).AsTask());
        Assert.StartsWith("redis sink test-connector: ", down.Message, StringComparison.Ordinal);
        Assert.Contains(server.Endpoint, down.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("IOCP", down.Message, StringComparison.Ordinal); // the library's counters stay in the log
        Assert.True(down.Message.Length < 300, down.Message);

        await server.RestartAsync();
        // The library reconnects in the background; until then batches keep failing fast as unavailable.
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await sink.WriteAsync([Event(1, "during")], Ct)).Rejected.Count == 0;
            }
            catch (SinkUnavailableException)
            {
                return false;
            }
        }, Deadline, () => "the sink writes again after redis restarted");
        Assert.Equal(1, await (await server.DatabaseAsync()).ListLengthAsync(key));
    }

    [Fact]
    public async Task Frozen_server_times_the_batch_out_and_the_command_is_not_sent_twice()
    {
        await using var server = await RedisServer.StartAsync(Process);
        var key = "frozen-" + Guid.NewGuid();
        await using var sink = await StartAsync(server, new() { ["key"] = key, ["timeout.ms"] = 500 });
        await sink.WriteAsync([Event(0, "before")], Ct);

        await server.FreezeAsync();
        try
        {
            var timeout = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.WriteAsync([Event(1, "sent while frozen")], Ct).AsTask());
            Assert.Contains("timed out", timeout.Message, StringComparison.Ordinal);
            Assert.Contains("unknown", timeout.Message, StringComparison.Ordinal);
        }
        finally
        {
            await server.ThawAsync();
        }

        // The RPUSH written before the timeout reaches redis once, when it thaws; the library does not repeat it.
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await sink.WriteAsync([Event(2, "after")], Ct)).Rejected.Count == 0;
            }
            catch (SinkUnavailableException)
            {
                return false;
            }
        }, Deadline, () => "the sink writes again after the thaw");
        var items = (await (await server.DatabaseAsync()).ListRangeAsync(key)).Select(v => v.ToString()).ToList();
        Assert.Equal(1, items.Count(i => i.Contains("sent while frozen", StringComparison.Ordinal)));
        Assert.Contains("after", items[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Out_of_memory_is_transient_not_a_rejection()
    {
        await using var server = await RedisServer.StartAsync(Process);
        var db = await server.DatabaseAsync();
        await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
        await using var sink = await StartAsync(server, new() { ["key"] = "oom" });

        var error = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.WriteAsync([Event(0, "x")], Ct).AsTask());
        Assert.Contains("RPUSH answered OOM", error.Message, StringComparison.Ordinal);

        await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        Assert.Empty((await sink.WriteAsync([Event(0, "x")], Ct)).Rejected);
    }

    [Fact]
    public async Task Start_fails_with_SinkUnavailable_naming_the_endpoint_when_no_server_listens_and_writes_once_it_does()
    {
        await using var server = await RedisServer.StartAsync(Process);
        await server.KillAsync();
        await using var sink = Create(For(server, new() { ["timeout.ms"] = 500, ["key"] = "late" }));

        var error = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.StartAsync(Ct).AsTask());
        Assert.Contains("no connection to " + server.Endpoint, error.Message, StringComparison.Ordinal);

        // The runtime keeps the sink and its workers retry: once redis is up the same sink delivers.
        await server.RestartAsync();
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return (await sink.WriteAsync([Event(0, "late")], Ct)).Rejected.Count == 0;
            }
            catch (SinkUnavailableException)
            {
                return false;
            }
        }, Deadline, () => "the sink delivers once redis listens");
    }
}
