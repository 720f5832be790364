using IngestHub.Client;
using IngestHub.Client.Internal;
using IngestHub.Protocol.Acls;
using IngestHub.Testing;
using Xunit;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>
/// One appliance with the ACL authorizer on: a SASL_PLAINTEXT listener (PLAIN) for the principals under test and a
/// PLAINTEXT one for the appliance's own clients. <c>User:admin</c> and <c>User:ANONYMOUS</c> (the plaintext
/// listener) are super users; alice, bob and carol start with no ACLs, and a resource without ACLs is closed.
/// </summary>
public sealed class AclApplianceFixture : IAsyncLifetime
{
    public const string Admin = "admin";
    public const string Alice = "alice";
    public const string Bob = "bob";
    public const string Carol = "carol";

    private ApplianceHost? _host;

    public ApplianceHost Host => _host ?? throw new InvalidOperationException("fixture not initialized");
    public string SaslPlaintext => $"127.0.0.1:{Host.Broker.ListenerPort("SASL_PLAINTEXT")}";
    public string Plaintext => $"127.0.0.1:{Host.Broker.ListenerPort("PLAINTEXT")}";

    public static string PasswordOf(string user) => user + "-Secret-9";

    public async ValueTask InitializeAsync()
    {
        _host = await ApplianceHost.StartAsync(
            "--broker:Listeners=PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
            "--broker:AuthorizerEnabled=true",
            "--broker:SuperUsers=User:admin;User:ANONYMOUS");
        foreach (string user in new[] { Admin, Alice, Bob, Carol })
            Host.Broker.Credentials.Upsert(user, PasswordOf(user));
    }

    public ClientOptions Options(string user) => new()
    {
        BootstrapServers = SaslPlaintext,
        ClientId = "acl-test-" + user,
        SecurityProtocol = "SASL_PLAINTEXT",
        SaslMechanism = "PLAIN",
        SaslUsername = user,
        SaslPassword = PasswordOf(user),
        ConnectTimeoutMs = 10_000,
        RequestTimeoutMs = 30_000,
    };

    /// <summary>The IngestHub client's connection layer, to send any request as <paramref name="user"/>.</summary>
    internal ClusterClient Connect(string user) => new(Options(user));

    public KafkaAdminClient AdminClient(string user = Admin) => new(Options(user));

    /// <summary>Adds ACLs as the super user (over the wire, CreateAcls).</summary>
    public async Task GrantAsync(params AclBinding[] acls)
    {
        await using var admin = AdminClient();
        await admin.CreateAclsAsync(acls, TestContext.Current.CancellationToken);
    }

    public static AclBinding Allow(string user, AclResourceType type, string name, AclOperation operation, AclPatternType pattern = AclPatternType.Literal) =>
        new(type, name, pattern, "User:" + user, "*", operation, AclPermissionType.Allow);

    public static AclBinding Deny(string user, AclResourceType type, string name, AclOperation operation) =>
        new(type, name, AclPatternType.Literal, "User:" + user, "*", operation, AclPermissionType.Deny);

    public List<string> KcatArgs(string user) =>
    [
        "-b", SaslPlaintext, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=PLAIN",
        "-X", $"sasl.username={user}", "-X", $"sasl.password={PasswordOf(user)}",
    ];

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
    }
}
