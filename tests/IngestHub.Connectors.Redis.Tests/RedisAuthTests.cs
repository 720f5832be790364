using IngestHub.Pipelines.Sinks;
using IngestHub.Testing.Redis;
using static IngestHub.Connectors.Redis.Tests.RedisSinks;

namespace IngestHub.Connectors.Redis.Tests;

public class RedisAuthTests(PasswordRedisServerFixture fixture) : IClassFixture<PasswordRedisServerFixture>
{
    private readonly RedisServer _server = fixture.Server;

    [Fact]
    public async Task Password_authenticates_the_sink()
    {
        var key = "auth-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new() { ["password"] = PasswordRedisServerFixture.Secret, ["key"] = key });
        Assert.Empty((await sink.WriteAsync([Event(0, "authenticated")], Ct)).Rejected);
        Assert.Equal(1, await (await _server.DatabaseAsync()).ListLengthAsync(key));
    }

    [Fact]
    public async Task Password_in_the_configuration_string_authenticates_the_sink()
    {
        var key = "auth-conf-" + Guid.NewGuid();
        await using var sink = await StartAsync(_server, new() { ["configuration"] = $"127.0.0.1:{_server.Port},password={PasswordRedisServerFixture.Secret}", ["key"] = key });
        Assert.Empty((await sink.WriteAsync([Event(0, "authenticated")], Ct)).Rejected);
        Assert.Equal(1, await (await _server.DatabaseAsync()).ListLengthAsync(key));
    }

    [Fact]
    public async Task Without_a_password_the_sink_is_unavailable_and_says_authentication_is_required()
    {
        await using var sink = Create(For(_server, new() { ["timeout.ms"] = 2000 }));
        var error = await Assert.ThrowsAsync<SinkUnavailableException>(async () =>
        {
            await sink.StartAsync(Ct);
            await sink.WriteAsync([Event(0, "x")], Ct);
        });
        Assert.Contains("NOAUTH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_makes_the_sink_unavailable_naming_the_refusal()
    {
        await using var sink = Create(For(_server, new() { ["password"] = "wrong", ["timeout.ms"] = 2000 }));
        var error = await Assert.ThrowsAsync<SinkUnavailableException>(() => sink.StartAsync(Ct).AsTask());
        Assert.Contains(_server.Endpoint, error.Message, StringComparison.Ordinal);
        Assert.Contains("authentication with " + _server.Endpoint + " failed", error.Message, StringComparison.Ordinal);
        Assert.Matches("NOAUTH|WRONGPASS", error.Message);
        Assert.DoesNotContain("wrong", error.Message.Replace("WRONGPASS", "", StringComparison.Ordinal), StringComparison.Ordinal); // no secret in the status
    }

    [Fact]
    public async Task Acl_user_and_password_authenticate_and_db_selects_the_database()
    {
        var db = await _server.DatabaseAsync();
        var user = "user" + Guid.NewGuid().ToString("N")[..8];
        await db.ExecuteAsync("ACL", "SETUSER", user, "on", ">pw-" + user, "~acl:*", "+@all");
        var key = "acl:" + Guid.NewGuid();

        await using var sink = await StartAsync(_server, new() { ["username"] = user, ["password"] = "pw-" + user, ["db"] = 2, ["key"] = key });
        Assert.Empty((await sink.WriteAsync([Event(0, "as an acl user")], Ct)).Rejected);

        Assert.Equal(1, await (await _server.DatabaseAsync(2)).ListLengthAsync(key));
        // The ACL applies to the sink's own connection: a key outside ~acl:* is refused for that event only.
        await using var outside = await StartAsync(_server, new() { ["username"] = user, ["password"] = "pw-" + user, ["key"] = "%{service}" });
        var result = await outside.WriteAsync([Event(0, "x", service: "acl:ok"), Event(1, "y", service: "forbidden")], Ct);
        var rejection = Assert.Single(result.Rejected);
        Assert.Equal(1, rejection.Index);
        Assert.Equal("NOPERM", rejection.ErrorType);
    }
}
