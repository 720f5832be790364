using IngestHub.Protocol.Acls;
using IngestHub.Testing;
using Xunit;

namespace IngestHub.Cli.Tests;

/// <summary><c>ingesthub acls add|list|delete</c> against an appliance with the authorizer on, connecting over
/// SASL/PLAIN as a super user; a user without ALTER/DESCRIBE on the cluster is refused with the Kafka error.</summary>
public sealed class AclsCommandTests
{
    [Fact]
    public async Task Acls_add_list_and_delete_over_the_wire_and_the_broker_enforces_them()
    {
        await using var host = await ApplianceHost.StartAsync(
            "--broker:Listeners=PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
            "--broker:AuthorizerEnabled=true", "--broker:SuperUsers=User:root;User:ANONYMOUS");
        host.Broker.Credentials.Upsert("root", "r00t-Secret");
        host.Broker.Credentials.Upsert("bob", "b0b-Secret");
        string bootstrap = $"127.0.0.1:{host.Broker.ListenerPort("SASL_PLAINTEXT")}";
        string[] asRoot = ["-b", bootstrap, "--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "PLAIN", "--sasl-username", "root", "--sasl-password", "r00t-Secret"];
        string[] asBob = ["-b", bootstrap, "--security-protocol", "SASL_PLAINTEXT", "--sasl-username", "bob", "--sasl-password", "b0b-Secret"];
        var authorizer = host.Broker.Authorizer;
        Assert.False(authorizer.IsAllowed("User:alice", "127.0.0.1", AclOperation.Read, AclResourceType.Topic, "app-logs"));

        var added = await CliRun.ExecuteAsync(["acls", "add", .. asRoot, "--principal", "User:alice", "--operation", "read", "--operation", "describe",
            "--topic", "app-", "--resource-pattern-type", "prefixed"]);
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal(2, added.StdoutLines.Count(l => l.StartsWith("Added: allow User:alice", StringComparison.Ordinal)));
        var denied = await CliRun.ExecuteAsync(["acls", "add", .. asRoot, "--principal", "User:alice", "--operation", "read", "--topic", "app-secret", "--deny"]);
        Assert.True(denied.ExitCode == 0, denied.ToString());

        Assert.True(authorizer.IsAllowed("User:alice", "127.0.0.1", AclOperation.Read, AclResourceType.Topic, "app-logs"));
        Assert.False(authorizer.IsAllowed("User:alice", "127.0.0.1", AclOperation.Read, AclResourceType.Topic, "app-secret"));
        Assert.False(authorizer.IsAllowed("User:alice", "127.0.0.1", AclOperation.Write, AclResourceType.Topic, "app-logs"));

        var list = await CliRun.ExecuteAsync(["acls", "list", .. asRoot, "--topic", "app-logs", "--resource-pattern-type", "match"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Equal(2, list.StdoutLines.Count(l => l.Contains("User:alice", StringComparison.Ordinal) && l.Contains("prefixed", StringComparison.Ordinal)));
        Assert.DoesNotContain(list.StdoutLines, l => l.Contains("app-secret", StringComparison.Ordinal));

        var refused = await CliRun.ExecuteAsync(["acls", "list", .. asBob]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("ClusterAuthorizationFailed", refused.Stderr, StringComparison.Ordinal);

        var everything = await CliRun.ExecuteAsync(["acls", "delete", .. asRoot]);
        Assert.Equal(2, everything.ExitCode);
        var deleted = await CliRun.ExecuteAsync(["acls", "delete", .. asRoot, "--topic", "app-", "--resource-pattern-type", "prefixed", "--operation", "read"]);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Contains("1 ACL(s) deleted.", deleted.StdoutLines);
        Assert.False(authorizer.IsAllowed("User:alice", "127.0.0.1", AclOperation.Read, AclResourceType.Topic, "app-logs"));
        Assert.True(authorizer.IsAllowed("User:alice", "127.0.0.1", AclOperation.Describe, AclResourceType.Topic, "app-logs"));

        var bad = await CliRun.ExecuteAsync(["acls", "add", .. asRoot, "--principal", "User:alice", "--operation", "fly", "--topic", "x"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("unknown operation 'fly'", bad.Stderr, StringComparison.Ordinal);
    }
}
