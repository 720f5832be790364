using IngestHub.Broker.Security;
using IngestHub.Broker.Tests.Support;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Broker.Tests;

/// <summary>
/// The authorizer's decisions (Kafka's rules: super users, no ACL found, DENY wins, implied operations, wildcard
/// principal and host, literal <c>*</c> and prefixed patterns), the ACL file surviving a restart and a crash
/// leftover, and the APIs only served in flexible versions (DescribeProducers, ConsumerGroupHeartbeat,
/// ConsumerGroupDescribe) refused and then allowed on the wire.
/// </summary>
public sealed class AuthorizerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ingesthub-acl-tests", Guid.NewGuid().ToString("N"));

    public AuthorizerTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Authorizer NewAuthorizer(bool allowIfNoAcl = false, params AclBinding[] acls)
    {
        var store = new AclStore(_dir);
        store.Add(acls);
        return new Authorizer(store, enabled: true, ["User:root"], allowIfNoAcl, logger: null);
    }

    private static AclBinding Acl(string principal, AclOperation operation, AclPermissionType permission = AclPermissionType.Allow,
        string topic = "logs", AclPatternType pattern = AclPatternType.Literal, string host = "*") =>
        new(AclResourceType.Topic, topic, pattern, principal, host, operation, permission);

    private static bool Topic(Authorizer authorizer, string principal, AclOperation operation, string topic = "logs", string host = "10.0.0.1") =>
        authorizer.IsAllowed(principal, host, operation, AclResourceType.Topic, topic);

    [Fact]
    public void Disabled_authorizer_allows_everything()
    {
        var authorizer = new Authorizer(new AclStore(_dir), enabled: false, [], false, null);
        Assert.True(Topic(authorizer, "User:anyone", AclOperation.Delete));
    }

    [Fact]
    public void Without_ACLs_a_resource_is_closed_unless_allow_everyone_if_no_acl_found()
    {
        Assert.False(Topic(NewAuthorizer(), "User:alice", AclOperation.Read));
        Assert.True(Topic(NewAuthorizer(allowIfNoAcl: true), "User:alice", AclOperation.Read));
        // Once any ACL applies to the resource, the setting no longer opens it.
        Assert.False(Topic(NewAuthorizer(true, Acl("User:bob", AclOperation.Read)), "User:alice", AclOperation.Read));
    }

    [Fact]
    public void Super_users_are_allowed_everything_even_against_a_deny()
    {
        var authorizer = NewAuthorizer(false, Acl("User:root", AclOperation.All, AclPermissionType.Deny));
        Assert.True(Topic(authorizer, "User:root", AclOperation.Delete));
        Assert.True(authorizer.IsAllowed("User:root", "10.0.0.1", AclOperation.ClusterAction, AclResourceType.Cluster, AclBinding.ClusterResourceName));
    }

    [Fact]
    public void Deny_wins_over_allow_and_a_wildcard_principal_matches_everyone()
    {
        var authorizer = NewAuthorizer(false, Acl("User:*", AclOperation.Write), Acl("User:bob", AclOperation.Write, AclPermissionType.Deny));
        Assert.True(Topic(authorizer, "User:alice", AclOperation.Write));
        Assert.False(Topic(authorizer, "User:bob", AclOperation.Write));
        // DENY ALL covers every operation.
        var all = NewAuthorizer(false, Acl("User:carol", AclOperation.Read), Acl("User:carol", AclOperation.All, AclPermissionType.Deny, topic: "*"));
        Assert.False(Topic(all, "User:carol", AclOperation.Read));
    }

    [Theory]
    [InlineData(AclOperation.Read, AclOperation.Describe, true)]
    [InlineData(AclOperation.Write, AclOperation.Describe, true)]
    [InlineData(AclOperation.Delete, AclOperation.Describe, true)]
    [InlineData(AclOperation.Alter, AclOperation.Describe, true)]
    [InlineData(AclOperation.AlterConfigs, AclOperation.DescribeConfigs, true)]
    [InlineData(AclOperation.All, AclOperation.AlterConfigs, true)]
    [InlineData(AclOperation.Describe, AclOperation.Read, false)]
    [InlineData(AclOperation.Write, AclOperation.Read, false)]
    [InlineData(AclOperation.Create, AclOperation.Describe, false)]
    [InlineData(AclOperation.DescribeConfigs, AclOperation.AlterConfigs, false)]
    public void Allowed_operations_imply_others_as_in_Kafka(AclOperation granted, AclOperation asked, bool allowed) =>
        Assert.Equal(allowed, Topic(NewAuthorizer(false, Acl("User:alice", granted)), "User:alice", asked));

    [Fact]
    public void Implication_does_not_extend_a_deny()
    {
        // Denying READ does not deny DESCRIBE (Kafka denies only the operation named, or ALL).
        var authorizer = NewAuthorizer(false, Acl("User:alice", AclOperation.Describe), Acl("User:alice", AclOperation.Read, AclPermissionType.Deny));
        Assert.True(Topic(authorizer, "User:alice", AclOperation.Describe));
        Assert.False(Topic(authorizer, "User:alice", AclOperation.Read));
    }

    [Fact]
    public void Literal_wildcard_and_prefixed_patterns_and_hosts_match_as_in_Kafka()
    {
        var authorizer = NewAuthorizer(false,
            Acl("User:alice", AclOperation.Read, topic: "*"),
            Acl("User:bob", AclOperation.Read, topic: "app-", pattern: AclPatternType.Prefixed),
            Acl("User:carol", AclOperation.Read, host: "10.0.0.7"));
        Assert.True(Topic(authorizer, "User:alice", AclOperation.Read, "anything"));
        Assert.True(Topic(authorizer, "User:bob", AclOperation.Read, "app-logs"));
        Assert.False(Topic(authorizer, "User:bob", AclOperation.Read, "ap"));
        Assert.False(Topic(authorizer, "User:bob", AclOperation.Read, "other"));
        Assert.True(Topic(authorizer, "User:carol", AclOperation.Read, "logs", host: "10.0.0.7"));
        Assert.False(Topic(authorizer, "User:carol", AclOperation.Read, "logs", host: "10.0.0.8"));
        // A literal name is not a prefix.
        Assert.False(Topic(NewAuthorizer(false, Acl("User:dave", AclOperation.Read, topic: "log")), "User:dave", AclOperation.Read, "logs"));
    }

    [Fact]
    public void Filters_select_as_DescribeAcls_does()
    {
        var store = new AclStore(_dir);
        store.Add([Acl("User:a", AclOperation.Read, topic: "*"), Acl("User:b", AclOperation.Read, topic: "app-", pattern: AclPatternType.Prefixed), Acl("User:c", AclOperation.Write, topic: "app-x")]);
        var match = new AclBindingFilter(AclResourceType.Topic, "app-x", AclPatternType.Match, null, null, AclOperation.Any, AclPermissionType.Any);
        Assert.Equal(["User:a", "User:b", "User:c"], store.Find(match).Select(a => a.Principal).Order());
        var literal = match with { PatternType = AclPatternType.Literal };
        Assert.Equal(["User:c"], store.Find(literal).Select(a => a.Principal));
        var any = AclBindingFilter.Everything with { Principal = "User:b" };
        Assert.Single(store.Find(any));
    }

    [Fact]
    public void Acls_survive_a_new_store_and_a_crash_leftover_temp_file()
    {
        var acls = new[] { Acl("User:a", AclOperation.Read), Acl("User:b", AclOperation.All, AclPermissionType.Deny, "app-", AclPatternType.Prefixed, "10.1.1.1") };
        new AclStore(_dir).Add(acls);
        // A crash while writing leaves only the temporary file; the stored set stays whole.
        File.WriteAllText(Path.Combine(_dir, AclStore.FileName + ".tmp"), "{\"acls\": [ {\"resourceType\": \"top");
        var reopened = new AclStore(_dir);
        Assert.Equal(acls, reopened.All);
        reopened.Remove([AclBindingFilter.Everything with { Principal = "User:a" }]);
        Assert.Equal([acls[1]], new AclStore(_dir).All);
    }

    [Fact]
    public void A_corrupt_acl_file_stops_start_up_with_its_path()
    {
        File.WriteAllText(Path.Combine(_dir, AclStore.FileName), "{ not json");
        var error = Assert.Throws<InvalidDataException>(() => new AclStore(_dir));
        Assert.Contains(AclStore.FileName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acls_made_over_the_wire_are_enforced_and_kept_across_a_restart()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o.AuthorizerEnabled = true);
        fixture.Broker.Authorizer.Store!.Add([new AclBinding(AclResourceType.Cluster, AclBinding.ClusterResourceName, AclPatternType.Literal,
            "User:ANONYMOUS", "*", AclOperation.Alter, AclPermissionType.Allow)]);
        using (var client = await fixture.ConnectAsync())
        {
            var request = new CreateAclsRequest();
            request.Creations.Add(new CreateAclsRequest.Creation
            {
                ResourceType = (sbyte)AclResourceType.Topic, ResourceName = "kept", ResourcePatternType = (sbyte)AclPatternType.Prefixed,
                Principal = "User:ANONYMOUS", Host = "*", Operation = (sbyte)AclOperation.Describe, PermissionType = (sbyte)AclPermissionType.Allow,
            });
            request.Creations.Add(new CreateAclsRequest.Creation { ResourceType = (sbyte)AclResourceType.Any, ResourceName = "x", Principal = "User:x", Host = "*", Operation = 3, PermissionType = 3 });
            var created = await client.SendAsync<CreateAclsRequest, CreateAclsResponse>(request, 2);
            Assert.Equal([ErrorCode.None, ErrorCode.InvalidRequest], created.Results.Select(r => r.ErrorCode));
        }
        await fixture.RestartAsync();
        using (var client = await fixture.ConnectAsync())
        {
            // ALTER on the cluster implies DESCRIBE, so DescribeAcls is allowed; the ACLs were read back from the file.
            var described = await client.SendAsync<DescribeAclsRequest, DescribeAclsResponse>(new DescribeAclsRequest
            {
                ResourceTypeFilter = (sbyte)AclResourceType.Topic, PatternTypeFilter = (sbyte)AclPatternType.Any,
                Operation = (sbyte)AclOperation.Any, PermissionType = (sbyte)AclPermissionType.Any,
            }, 3);
            Assert.Equal(ErrorCode.None, described.ErrorCode);
            var resource = Assert.Single(described.Resources);
            Assert.Equal(("kept", (sbyte)AclPatternType.Prefixed), (resource.ResourceName, resource.PatternType));

            var metadata = await client.SendAsync<MetadataRequest, MetadataResponse>(new MetadataRequest
            {
                Topics = [new MetadataRequest.Topic { Name = "kept-topic" }, new MetadataRequest.Topic { Name = "other" }],
                AllowAutoTopicCreation = false,
            }, 9);
            Assert.Equal([ErrorCode.UnknownTopicOrPartition, ErrorCode.TopicAuthorizationFailed], metadata.Topics.Select(t => t.ErrorCode));
        }
    }

    [Fact]
    public async Task Without_the_authorizer_the_ACL_APIs_answer_SECURITY_DISABLED()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        var described = await client.SendAsync<DescribeAclsRequest, DescribeAclsResponse>(new DescribeAclsRequest
        {
            ResourceTypeFilter = (sbyte)AclResourceType.Any, PatternTypeFilter = (sbyte)AclPatternType.Any, Operation = 1, PermissionType = 1,
        }, 1);
        Assert.Equal(ErrorCode.SecurityDisabled, described.ErrorCode);
    }

    [Fact]
    public async Task Flexible_only_APIs_are_refused_then_allowed_by_ACLs()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o.AuthorizerEnabled = true);
        Assert.Equal(Protocol.ErrorCode.None, fixture.Broker.Topics.CreateTopic("flex", 1, new Dictionary<string, string>(), false, out _));
        using var client = await fixture.ConnectAsync();
        var producers = new DescribeProducersRequest { Topics = [new DescribeProducersRequest.Topic { Name = "flex", PartitionIndexes = [0] }] };
        var heartbeat = new ConsumerGroupHeartbeatRequest { GroupId = "flex-group", MemberId = "", MemberEpoch = 0, RebalanceTimeoutMs = 30_000, SubscribedTopicNames = ["flex"], TopicPartitions = [] };
        var describe = new ConsumerGroupDescribeRequest { GroupIds = ["flex-group"] };

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, (await client.SendAsync<DescribeProducersRequest, DescribeProducersResponse>(producers, 0)).Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, (await client.SendAsync<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>(heartbeat, 0)).ErrorCode);
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, (await client.SendAsync<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>(describe, 0)).Groups[0].ErrorCode);

        var store = fixture.Broker.Authorizer.Store!;
        store.Add([new AclBinding(AclResourceType.Group, "flex-group", AclPatternType.Literal, "User:ANONYMOUS", "*", AclOperation.Read, AclPermissionType.Allow)]);
        // READ on the group, but the subscribed topic may not be described.
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, (await client.SendAsync<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>(heartbeat, 0)).ErrorCode);

        store.Add([new AclBinding(AclResourceType.Topic, "flex", AclPatternType.Literal, "User:ANONYMOUS", "*", AclOperation.Read, AclPermissionType.Allow)]);
        Assert.Equal(ErrorCode.None, (await client.SendAsync<DescribeProducersRequest, DescribeProducersResponse>(producers, 0)).Topics[0].Partitions[0].ErrorCode);
        var joined = await client.SendAsync<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>(heartbeat, 0);
        Assert.Equal(ErrorCode.None, joined.ErrorCode);
        // READ on the group implies DESCRIBE.
        Assert.Equal(ErrorCode.None, (await client.SendAsync<ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse>(describe, 0)).Groups[0].ErrorCode);
    }
}
