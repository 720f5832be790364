using IngestHub.Broker.Tests.Support;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Sasl;
using Xunit;

namespace IngestHub.Broker.Tests;

/// <summary>
/// DescribeUserScramCredentials and AlterUserScramCredentials as raw requests: a client-salted credential is stored
/// so that the password verifies, is described without secrets, survives a restart, and every refusal carries
/// Kafka's error code for the user it concerns while the other users' changes apply.
/// </summary>
public sealed class ScramCredentialApiTests
{
    private static AlterUserScramCredentialsRequest.Upsertion Upsertion(string user, sbyte mechanism, int iterations, string password)
    {
        var algorithm = mechanism == 2 ? ScramAlgorithm.Sha512 : ScramAlgorithm.Sha256;
        byte[] salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(24);
        return new AlterUserScramCredentialsRequest.Upsertion
        {
            Name = user,
            Mechanism = mechanism,
            Iterations = iterations,
            Salt = salt,
            SaltedPassword = algorithm.SaltedPassword(password, salt, Math.Clamp(iterations, 1, 100_000)),
        };
    }

    private static Task<AlterUserScramCredentialsResponse> AlterAsync(RawKafkaClient client, AlterUserScramCredentialsRequest request) =>
        client.SendAsync<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>(request, 0);

    private static Task<DescribeUserScramCredentialsResponse> DescribeAsync(RawKafkaClient client, params string[]? users) =>
        client.SendAsync<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>(
            new DescribeUserScramCredentialsRequest { Users = users is null ? null : [.. users.Select(u => new DescribeUserScramCredentialsRequest.UserName { Name = u })] }, 0);

    [Fact]
    public async Task Upserted_credentials_verify_are_described_and_survive_a_restart()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using (var client = await fixture.ConnectAsync())
        {
            var altered = await AlterAsync(client, new AlterUserScramCredentialsRequest
            {
                Upsertions = [Upsertion("dave", 1, 4096, "dave-pw"), Upsertion("dave", 2, 16384, "dave-pw"), Upsertion("erin", 1, 5000, "erin-pw")],
            });
            Assert.Equal(["dave", "erin"], altered.Results.Select(r => r.User));
            Assert.All(altered.Results, r => Assert.Equal(ErrorCode.None, r.ErrorCode));
            Assert.True(fixture.Broker.Credentials.VerifyPassword("dave", "dave-pw"));
            Assert.False(fixture.Broker.Credentials.VerifyPassword("dave", "other"));
            Assert.Equal(16384, fixture.Broker.Credentials.Find("dave", "SCRAM-SHA-512")!.Iterations);
        }
        await fixture.RestartAsync();
        using (var client = await fixture.ConnectAsync())
        {
            var all = await DescribeAsync(client, null);
            Assert.Equal(ErrorCode.None, all.ErrorCode);
            Assert.Equal(["dave", "erin"], all.Results.Select(r => r.User));
            Assert.Equal([(1, 4096), (2, 16384)], all.Results[0].CredentialInfos.Select(i => ((int)i.Mechanism, i.Iterations)));
            Assert.True(fixture.Broker.Credentials.VerifyPassword("erin", "erin-pw"));

            var named = await DescribeAsync(client, "erin", "nobody", "dave", "dave");
            Assert.Equal(["erin", "nobody", "dave"], named.Results.Select(r => r.User));
            Assert.Equal(ErrorCode.None, named.Results[0].ErrorCode);
            Assert.Equal((1, 5000), ((int)named.Results[0].CredentialInfos.Single().Mechanism, named.Results[0].CredentialInfos.Single().Iterations));
            Assert.Equal(ErrorCode.ResourceNotFound, named.Results[1].ErrorCode);
            Assert.Equal(ErrorCode.DuplicateResource, named.Results[2].ErrorCode);
            Assert.Empty(named.Results[2].CredentialInfos);

            // Deleting one mechanism keeps the other; deleting the last removes the user.
            var deleted = await AlterAsync(client, new AlterUserScramCredentialsRequest { Deletions = [new() { Name = "dave", Mechanism = 1 }, new() { Name = "erin", Mechanism = 1 }] });
            Assert.All(deleted.Results, r => Assert.Equal(ErrorCode.None, r.ErrorCode));
            Assert.Null(fixture.Broker.Credentials.Find("dave", "SCRAM-SHA-256"));
            Assert.NotNull(fixture.Broker.Credentials.Find("dave", "SCRAM-SHA-512"));
            Assert.Equal(["dave"], (await DescribeAsync(client)).Results.Select(r => r.User));
        }
    }

    [Fact]
    public async Task Invalid_alterations_are_refused_per_user_with_Kafkas_errors()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        var response = await AlterAsync(client, new AlterUserScramCredentialsRequest
        {
            Deletions = [new() { Name = "ghost", Mechanism = 1 }, new() { Name = "twice", Mechanism = 1 }],
            Upsertions =
            [
                Upsertion("few", 1, 4095, "pw"),
                Upsertion("many", 2, 16385, "pw"),
                Upsertion("mech", 3, 4096, "pw"),
                Upsertion("", 1, 4096, "pw"),
                Upsertion("twice", 1, 4096, "pw"),
                Upsertion("fine", 1, 4096, "fine-pw"),
            ],
        });
        var errors = response.Results.ToDictionary(r => r.User, r => r.ErrorCode);
        Assert.Equal(ErrorCode.ResourceNotFound, errors["ghost"]);
        Assert.Equal(ErrorCode.DuplicateResource, errors["twice"]);
        Assert.Equal(ErrorCode.UnacceptableCredential, errors["few"]);
        Assert.Equal(ErrorCode.UnacceptableCredential, errors["many"]);
        Assert.Equal(ErrorCode.UnsupportedSaslMechanism, errors["mech"]);
        Assert.Equal(ErrorCode.UnacceptableCredential, errors[""]);
        Assert.Equal(ErrorCode.None, errors["fine"]);
        Assert.All(response.Results.Where(r => r.ErrorCode != ErrorCode.None), r => Assert.False(string.IsNullOrEmpty(r.ErrorMessage)));
        Assert.Equal(["fine"], fixture.Broker.Credentials.List().Select(u => u.User));
        Assert.True(fixture.Broker.Credentials.VerifyPassword("fine", "fine-pw"));
    }

    [Fact]
    public async Task Without_cluster_rights_describe_is_refused_as_a_whole_and_alter_per_user()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o.AuthorizerEnabled = true);
        fixture.Broker.Credentials.Upsert("alice", "alice-pw");
        using var client = await fixture.ConnectAsync();

        // Kafka answers an unauthorized describe with the top-level code only and no results, named users or not.
        foreach (string[]? users in new[] { null, new[] { "alice" } })
        {
            var described = await DescribeAsync(client, users);
            Assert.Equal(ErrorCode.ClusterAuthorizationFailed, described.ErrorCode);
            Assert.Empty(described.Results);
        }
        var altered = await AlterAsync(client, new AlterUserScramCredentialsRequest
        {
            Deletions = [new() { Name = "alice", Mechanism = 1 }],
            Upsertions = [Upsertion("mallory", 1, 4096, "mallory-pw")],
        });
        Assert.Equal(["alice", "mallory"], altered.Results.Select(r => r.User));
        Assert.All(altered.Results, r => Assert.Equal(ErrorCode.ClusterAuthorizationFailed, r.ErrorCode));
        Assert.True(fixture.Broker.Credentials.VerifyPassword("alice", "alice-pw"));
        Assert.Null(fixture.Broker.Credentials.Find("mallory", "SCRAM-SHA-256"));

        // DESCRIBE on the cluster lets the anonymous principal describe; ALTER is still needed to change anything.
        fixture.Broker.Authorizer.Store!.Add([new AclBinding(AclResourceType.Cluster, AclBinding.ClusterResourceName, AclPatternType.Literal,
            "User:ANONYMOUS", "*", AclOperation.Describe, AclPermissionType.Allow)]);
        var allowed = await DescribeAsync(client, null);
        Assert.Equal(ErrorCode.None, allowed.ErrorCode);
        Assert.Equal(["alice"], allowed.Results.Select(r => r.User));
        altered = await AlterAsync(client, new AlterUserScramCredentialsRequest { Upsertions = [Upsertion("mallory", 1, 4096, "mallory-pw")] });
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, Assert.Single(altered.Results).ErrorCode);
    }
}
