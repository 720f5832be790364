namespace IngestHub.Connectors.Redis.Tests;

public class RedisAuthTests(PasswordRedisServerFixture fixture) : IClassFixture<PasswordRedisServerFixture>
{
    private readonly RedisServer _server = fixture.Server;

    [Fact]
    public async Task Password_authenticates_every_connection()
    {
        await using var client = _server.CreateClient();
        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);
    }

    [Fact]
    public async Task Without_password_commands_fail_with_NOAUTH()
    {
        await using var client = new RedisClient(_server.Options(withPassword: false));
        var error = await Assert.ThrowsAsync<RedisException>(() => client.ExecuteAsync("GET", "k"));
        Assert.Equal("NOAUTH", error.ErrorPrefix);
    }

    [Fact]
    public async Task Wrong_password_fails_the_connection_setup()
    {
        var options = _server.Options();
        await using var client = new RedisClient(new RedisOptions { Port = options.Port, Password = "wrong" });
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.ExecuteAsync("PING"));
        var inner = Assert.IsType<RedisException>(error.InnerException);
        Assert.Equal("WRONGPASS", inner.ErrorPrefix);
    }

    [Fact]
    public async Task Username_and_password_authenticate_an_acl_user_and_select_a_database()
    {
        await using var admin = _server.CreateClient();
        var user = "user" + Guid.NewGuid().ToString("N")[..8];
        await admin.ExecuteAsync("ACL", "SETUSER", user, "on", ">pw-" + user, "~*", "+@all");

        await using var client = new RedisClient(new RedisOptions { Port = _server.Port, Username = user, Password = "pw-" + user, Database = 2 });
        Assert.Equal(user, (await client.ExecuteAsync("ACL", "WHOAMI")).Text);
        await client.ExecuteAsync("SET", "acl-key", "v");

        await using var db2 = _server.CreateClient(database: 2);
        Assert.Equal("v", (await db2.ExecuteAsync("GET", "acl-key")).Text);
    }
}
