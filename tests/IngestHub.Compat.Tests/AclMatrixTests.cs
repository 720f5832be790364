using System.Text;
using IngestHub.Broker.Handlers;
using IngestHub.Client.Internal;
using IngestHub.Compat.Tests.Infrastructure;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Records;
using Xunit;
using static IngestHub.Compat.Tests.Infrastructure.AclApplianceFixture;

namespace IngestHub.Compat.Tests;

/// <summary>
/// The ACL matrix over SASL/PLAIN on loopback, with the IngestHub client's connection layer: for each API, the
/// operation and resource Kafka checks for it (KIP-11), an allowed principal (alice, given exactly that ACL) and a
/// denied one (bob, given none, or an explicit DENY) sending the same request. The denied request gets Kafka's
/// authorization error; the allowed one gets anything but an authorization error (for most, NONE). APIs the client
/// speaks only in flexible versions (DescribeProducers, ConsumerGroupHeartbeat, ConsumerGroupDescribe) are covered by
/// the broker's handler tests.
/// </summary>
public sealed class AclMatrixTests(AclApplianceFixture fixture) : IClassFixture<AclApplianceFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private AclApplianceFixture Fixture => fixture;

    /// <summary>One cell: what to set up as the super user, what alice is granted, and the request both send.</summary>
    private sealed record Row(AclBinding[] Grants, ErrorCode Denied, Func<ClusterClient, Task<ErrorCode>> Act, Func<AclMatrixTests, Task>? Setup = null,
        ErrorCode? Allowed = ErrorCode.None);

    private static readonly Dictionary<string, Row> s_rows = new()
    {
        ["Produce needs WRITE on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-produce", AclOperation.Write)], ErrorCode.TopicAuthorizationFailed,
            c => Produce(c, "m-produce"), t => t.CreateTopicAsync("m-produce")),
        ["Produce: a DENY wins over an ALLOW for everyone"] = new([Allow("*", AclResourceType.Topic, "m-deny", AclOperation.Write), Deny(Bob, AclResourceType.Topic, "m-deny", AclOperation.Write)],
            ErrorCode.TopicAuthorizationFailed, c => Produce(c, "m-deny"), t => t.CreateTopicAsync("m-deny")),
        ["Fetch needs READ on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-fetch", AclOperation.Read)], ErrorCode.TopicAuthorizationFailed,
            c => Fetch(c, "m-fetch"), t => t.CreateTopicAsync("m-fetch")),
        ["Fetch: a PREFIXED ACL covers the topics it starts"] = new([Allow(Alice, AclResourceType.Topic, "m-prefix-", AclOperation.Read, AclPatternType.Prefixed)], ErrorCode.TopicAuthorizationFailed,
            c => Fetch(c, "m-prefix-logs"), t => t.CreateTopicAsync("m-prefix-logs")),
        ["ListOffsets needs DESCRIBE on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-offsets", AclOperation.Describe)], ErrorCode.TopicAuthorizationFailed,
            c => ListOffsets(c, "m-offsets"), t => t.CreateTopicAsync("m-offsets")),
        ["Metadata needs DESCRIBE on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-meta", AclOperation.Describe)], ErrorCode.TopicAuthorizationFailed,
            c => Metadata(c, "m-meta", autoCreate: false), t => t.CreateTopicAsync("m-meta")),
        ["Metadata: WRITE implies DESCRIBE"] = new([Allow(Alice, AclResourceType.Topic, "m-implied", AclOperation.Write)], ErrorCode.TopicAuthorizationFailed,
            c => Metadata(c, "m-implied", autoCreate: false), t => t.CreateTopicAsync("m-implied")),
        ["Metadata auto-creation needs CREATE (bob may describe, not create)"] = new(
            [Allow(Alice, AclResourceType.Topic, "m-autocreate", AclOperation.Describe), Allow(Alice, AclResourceType.Topic, "m-autocreate", AclOperation.Create)],
            ErrorCode.UnknownTopicOrPartition, c => Metadata(c, "m-autocreate", autoCreate: true),
            t => t.Fixture.GrantAsync(Allow(Bob, AclResourceType.Topic, "m-autocreate", AclOperation.Describe))),
        ["CreateTopics needs CREATE on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-create", AclOperation.Create)], ErrorCode.TopicAuthorizationFailed,
            c => CreateTopic(c, "m-create")),
        ["CreateTopics: CREATE on the cluster covers every topic"] = new([Allow(Alice, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclOperation.Create)], ErrorCode.TopicAuthorizationFailed,
            c => CreateTopic(c, "m-create-by-cluster")),
        ["DeleteTopics needs DELETE on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-delete", AclOperation.Delete)], ErrorCode.TopicAuthorizationFailed,
            c => DeleteTopic(c, "m-delete"), t => t.CreateTopicAsync("m-delete")),
        ["CreatePartitions needs ALTER on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-grow", AclOperation.Alter)], ErrorCode.TopicAuthorizationFailed,
            c => CreatePartitions(c, "m-grow"), t => t.CreateTopicAsync("m-grow")),
        ["DescribeConfigs of a topic needs DESCRIBE_CONFIGS on it"] = new([Allow(Alice, AclResourceType.Topic, "m-dconf", AclOperation.DescribeConfigs)], ErrorCode.TopicAuthorizationFailed,
            c => DescribeConfigs(c, ConfigResources.Topic, "m-dconf"), t => t.CreateTopicAsync("m-dconf")),
        ["DescribeConfigs: ALTER_CONFIGS implies DESCRIBE_CONFIGS"] = new([Allow(Alice, AclResourceType.Topic, "m-dconf2", AclOperation.AlterConfigs)], ErrorCode.TopicAuthorizationFailed,
            c => DescribeConfigs(c, ConfigResources.Topic, "m-dconf2"), t => t.CreateTopicAsync("m-dconf2")),
        ["DescribeConfigs of the broker needs DESCRIBE_CONFIGS on the cluster"] = new([Allow(Alice, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclOperation.DescribeConfigs)],
            ErrorCode.ClusterAuthorizationFailed, c => DescribeConfigs(c, ConfigResources.Broker, "1")),
        ["IncrementalAlterConfigs of a topic needs ALTER_CONFIGS on it"] = new([Allow(Alice, AclResourceType.Topic, "m-aconf", AclOperation.AlterConfigs)], ErrorCode.TopicAuthorizationFailed,
            c => AlterConfigs(c, ConfigResources.Topic, "m-aconf", "retention.ms"), t => t.CreateTopicAsync("m-aconf")),
        ["IncrementalAlterConfigs of the broker needs ALTER_CONFIGS on the cluster"] = new([Allow(Alice, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclOperation.AlterConfigs)],
            ErrorCode.ClusterAuthorizationFailed, c => AlterConfigs(c, ConfigResources.Broker, "1", "log.retention.ms")),
        ["DeleteRecords needs DELETE on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-drec", AclOperation.Delete)], ErrorCode.TopicAuthorizationFailed,
            c => DeleteRecords(c, "m-drec"), t => t.CreateTopicAsync("m-drec")),
        ["OffsetForLeaderEpoch needs DESCRIBE on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-epoch", AclOperation.Describe)], ErrorCode.TopicAuthorizationFailed,
            c => OffsetForLeaderEpoch(c, "m-epoch"), t => t.CreateTopicAsync("m-epoch")),
        ["InitProducerId needs IDEMPOTENT_WRITE on the cluster"] = new([Allow(Alice, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclOperation.IdempotentWrite)],
            ErrorCode.ClusterAuthorizationFailed, InitProducerId),
        ["DescribeLogDirs needs DESCRIBE on the cluster"] = new([Allow(Alice, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclOperation.Describe)],
            ErrorCode.ClusterAuthorizationFailed, DescribeLogDirs),
        ["FindCoordinator needs DESCRIBE on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-find", AclOperation.Describe)], ErrorCode.GroupAuthorizationFailed,
            c => FindCoordinator(c, "m-g-find")),
        ["JoinGroup needs READ on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-join", AclOperation.Read)], ErrorCode.GroupAuthorizationFailed,
            c => JoinGroup(c, "m-g-join"), Allowed: null),
        ["SyncGroup needs READ on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-sync", AclOperation.Read)], ErrorCode.GroupAuthorizationFailed,
            c => SyncGroup(c, "m-g-sync"), Allowed: null),
        ["Heartbeat needs READ on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-beat", AclOperation.Read)], ErrorCode.GroupAuthorizationFailed,
            c => Heartbeat(c, "m-g-beat"), Allowed: null),
        ["LeaveGroup needs READ on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-leave", AclOperation.Read)], ErrorCode.GroupAuthorizationFailed,
            c => LeaveGroup(c, "m-g-leave"), Allowed: null),
        ["OffsetCommit needs READ on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-commit", AclOperation.Read), Allow(Alice, AclResourceType.Topic, "m-commit", AclOperation.Read)],
            ErrorCode.GroupAuthorizationFailed, c => Commit(c, "m-g-commit", "m-commit"),
            t => t.CreateTopicAsync("m-commit", () => t.Fixture.GrantAsync(Allow(Bob, AclResourceType.Topic, "m-commit", AclOperation.Read)))),
        ["OffsetCommit needs READ on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-commit-t", AclOperation.Read)], ErrorCode.TopicAuthorizationFailed,
            c => Commit(c, "m-g-commit-t", "m-commit-t"),
            t => t.CreateTopicAsync("m-commit-t", () => t.Fixture.GrantAsync(Allow("*", AclResourceType.Group, "m-g-commit-t", AclOperation.Read)))),
        ["OffsetFetch needs DESCRIBE on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-fetch", AclOperation.Describe), Allow(Alice, AclResourceType.Topic, "m-ofetch", AclOperation.Describe)],
            ErrorCode.GroupAuthorizationFailed, c => FetchOffsets(c, "m-g-fetch", "m-ofetch"), t => t.CommitAsAdminAsync("m-g-fetch", "m-ofetch")),
        ["OffsetFetch needs DESCRIBE on the topic"] = new([Allow(Alice, AclResourceType.Topic, "m-ofetch-t", AclOperation.Describe)], ErrorCode.TopicAuthorizationFailed,
            c => FetchOffsets(c, "m-g-fetch-t", "m-ofetch-t"),
            t => t.CommitAsAdminAsync("m-g-fetch-t", "m-ofetch-t", () => t.Fixture.GrantAsync(Allow("*", AclResourceType.Group, "m-g-fetch-t", AclOperation.Describe)))),
        ["DescribeGroups needs DESCRIBE on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-describe", AclOperation.Describe)], ErrorCode.GroupAuthorizationFailed,
            c => DescribeGroup(c, "m-g-describe"), t => t.CommitAsAdminAsync("m-g-describe", "m-describe")),
        ["DeleteGroups needs DELETE on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-delete", AclOperation.Delete)], ErrorCode.GroupAuthorizationFailed,
            c => DeleteGroup(c, "m-g-delete"), t => t.CommitAsAdminAsync("m-g-delete", "m-gdelete")),
        ["OffsetDelete needs DELETE on the group"] = new([Allow(Alice, AclResourceType.Group, "m-g-odel", AclOperation.Delete), Allow(Alice, AclResourceType.Topic, "m-odel", AclOperation.Read)],
            ErrorCode.GroupAuthorizationFailed, c => DeleteOffsets(c, "m-g-odel", "m-odel"), t => t.CommitAsAdminAsync("m-g-odel", "m-odel")),
        ["CreateAcls needs ALTER on the cluster"] = new([Allow(Alice, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclOperation.Alter)], ErrorCode.ClusterAuthorizationFailed,
            CreateAcl),
        ["DescribeAcls needs DESCRIBE on the cluster"] = new([Allow(Alice, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclOperation.Describe)], ErrorCode.ClusterAuthorizationFailed,
            DescribeAcls),
        ["DeleteAcls needs ALTER on the cluster"] = new([Allow(Alice, AclResourceType.Cluster, AclBinding.ClusterResourceName, AclOperation.Alter)], ErrorCode.ClusterAuthorizationFailed,
            DeleteAcl),
    };

    public static TheoryData<string> Rows => [.. s_rows.Keys];

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Allowed_principal_passes_and_denied_principal_gets_the_authorization_error(string row)
    {
        var cell = s_rows[row];
        if (cell.Setup is not null)
            await cell.Setup(this);
        await fixture.GrantAsync(cell.Grants);

        // The denied principal goes first, so a request that changes something is still possible for the allowed one.
        await using (var bob = fixture.Connect(Bob))
            Assert.Equal(cell.Denied, await cell.Act(bob));
        await using var alice = fixture.Connect(Alice);
        var allowed = await cell.Act(alice);
        if (cell.Allowed is { } expected)
            Assert.Equal(expected, allowed);
        else
            Assert.DoesNotContain(allowed, new[] { ErrorCode.TopicAuthorizationFailed, ErrorCode.GroupAuthorizationFailed, ErrorCode.ClusterAuthorizationFailed });
    }

    [Fact]
    public async Task A_super_user_needs_no_ACL()
    {
        await CreateTopicAsync("m-super");
        await using var admin = fixture.Connect(Admin);
        Assert.Equal(ErrorCode.None, await Produce(admin, "m-super"));
        Assert.Equal(ErrorCode.None, await Fetch(admin, "m-super"));
        Assert.Equal(ErrorCode.None, await InitProducerId(admin));
        Assert.Equal(ErrorCode.None, await Commit(admin, "m-g-super", "m-super"));
    }

    [Fact]
    public async Task Metadata_lists_only_the_topics_the_principal_may_describe()
    {
        await CreateTopicAsync("m-list-visible");
        await CreateTopicAsync("m-list-hidden");
        await fixture.GrantAsync(Allow(Carol, AclResourceType.Topic, "m-list-visible", AclOperation.Read));
        await using var carol = fixture.Connect(Carol);
        var response = await carol.SendToAnyAsync<MetadataRequest, MetadataResponse>(new MetadataRequest { Topics = null }, Ct);
        var names = response.Topics.Select(t => t.Name).ToList();
        Assert.Contains("m-list-visible", names);
        Assert.DoesNotContain("m-list-hidden", names);
        Assert.All(response.Topics, t => Assert.Equal(ErrorCode.None, t.ErrorCode));

        // The super user sees both.
        await using var admin = fixture.Connect(Admin);
        var all = await admin.SendToAnyAsync<MetadataRequest, MetadataResponse>(new MetadataRequest { Topics = null }, Ct);
        Assert.Contains("m-list-hidden", all.Topics.Select(t => t.Name));
    }

    [Fact]
    public async Task ListGroups_lists_only_the_groups_the_principal_may_describe()
    {
        await CommitAsAdminAsync("m-g-list-visible", "m-glist");
        await CommitAsAdminAsync("m-g-list-hidden", "m-glist");
        await fixture.GrantAsync(Allow(Carol, AclResourceType.Group, "m-g-list-visible", AclOperation.Describe));
        await using var carol = fixture.Connect(Carol);
        var response = await carol.SendToAnyAsync<ListGroupsRequest, ListGroupsResponse>(new ListGroupsRequest(), Ct);
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        var groups = response.Groups.Select(g => g.GroupId).ToList();
        Assert.Contains("m-g-list-visible", groups);
        Assert.DoesNotContain("m-g-list-hidden", groups);
    }

    // ---- setup, as the super user ----

    private async Task CreateTopicAsync(string topic, Func<Task>? then = null)
    {
        await using var admin = fixture.Connect(Admin);
        var error = await CreateTopic(admin, topic);
        Assert.True(error is ErrorCode.None or ErrorCode.TopicAlreadyExists, $"create {topic}: {error}");
        Assert.Equal(ErrorCode.None, await Produce(admin, topic));
        if (then is not null)
            await then();
    }

    private async Task CommitAsAdminAsync(string group, string topic, Func<Task>? then = null)
    {
        await CreateTopicAsync(topic);
        await using var admin = fixture.Connect(Admin);
        Assert.Equal(ErrorCode.None, await Commit(admin, group, topic));
        if (then is not null)
            await then();
    }

    // ---- the requests, each reduced to the error code that tells allowed from denied ----

    private static async Task<ErrorCode> Produce(ClusterClient client, string topic)
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, Encoding.UTF8.GetBytes("acl"));
        var request = new ProduceRequest { Acks = 1, TimeoutMs = 10_000 };
        request.Topics.Add(new ProduceRequest.Topic
        {
            Name = topic,
            Partitions = [new ProduceRequest.Partition { PartitionIndex = 0, Records = new MemoryRecordsPayload(builder.ToArray()) }],
        });
        var response = await client.SendToAnyAsync<ProduceRequest, ProduceResponse>(request, Ct);
        return response.Topics.Single().Partitions.Single().ErrorCode;
    }

    private static async Task<ErrorCode> Fetch(ClusterClient client, string topic)
    {
        var request = new FetchRequest { MaxWaitMs = 0, MinBytes = 1, MaxBytes = 1 << 20 };
        request.Topics.Add(new FetchRequest.Topic { Name = topic, Partitions = [new FetchRequest.Partition { PartitionIndex = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] });
        var response = await client.SendToAnyAsync<FetchRequest, FetchResponse>(request, Ct);
        return response.Topics.Single().Partitions.Single().ErrorCode;
    }

    private static async Task<ErrorCode> ListOffsets(ClusterClient client, string topic)
    {
        var request = new ListOffsetsRequest();
        request.Topics.Add(new ListOffsetsRequest.Topic { Name = topic, Partitions = [new ListOffsetsRequest.Partition { PartitionIndex = 0, Timestamp = ListOffsetsRequest.LatestTimestamp }] });
        var response = await client.SendToAnyAsync<ListOffsetsRequest, ListOffsetsResponse>(request, Ct);
        return response.Topics.Single().Partitions.Single().ErrorCode;
    }

    private static async Task<ErrorCode> Metadata(ClusterClient client, string topic, bool autoCreate)
    {
        var request = new MetadataRequest { Topics = [new MetadataRequest.Topic { Name = topic }], AllowAutoTopicCreation = autoCreate };
        var response = await client.SendToAnyAsync<MetadataRequest, MetadataResponse>(request, Ct);
        return response.Topics.Single().ErrorCode;
    }

    private static async Task<ErrorCode> CreateTopic(ClusterClient client, string topic)
    {
        var request = new CreateTopicsRequest { TimeoutMs = 10_000 };
        request.Topics.Add(new CreateTopicsRequest.Topic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 });
        var response = await client.SendToAnyAsync<CreateTopicsRequest, CreateTopicsResponse>(request, Ct);
        return response.Topics.Single().ErrorCode;
    }

    private static async Task<ErrorCode> DeleteTopic(ClusterClient client, string topic)
    {
        var response = await client.SendToAnyAsync<DeleteTopicsRequest, DeleteTopicsResponse>(new DeleteTopicsRequest { TopicNames = [topic], TimeoutMs = 10_000 }, Ct);
        return response.Topics.Single().ErrorCode;
    }

    private static async Task<ErrorCode> CreatePartitions(ClusterClient client, string topic)
    {
        var request = new CreatePartitionsRequest { TimeoutMs = 10_000, ValidateOnly = true };
        request.Topics.Add(new CreatePartitionsRequest.Topic { Name = topic, Count = 2, Assignments = null });
        var response = await client.SendToAnyAsync<CreatePartitionsRequest, CreatePartitionsResponse>(request, Ct);
        return response.Results.Single().ErrorCode;
    }

    private static async Task<ErrorCode> DescribeConfigs(ClusterClient client, sbyte type, string name)
    {
        var request = new DescribeConfigsRequest();
        request.Resources.Add(new DescribeConfigsRequest.Resource { ResourceType = type, ResourceName = name, ConfigurationKeys = null });
        var response = await client.SendToAnyAsync<DescribeConfigsRequest, DescribeConfigsResponse>(request, Ct);
        return response.Results.Single().ErrorCode;
    }

    private static async Task<ErrorCode> AlterConfigs(ClusterClient client, sbyte type, string name, string config)
    {
        var request = new IncrementalAlterConfigsRequest { ValidateOnly = true };
        request.Resources.Add(new IncrementalAlterConfigsRequest.Resource
        {
            ResourceType = type,
            ResourceName = name,
            Configs = [new IncrementalAlterConfigsRequest.Config { Name = config, ConfigOperation = 0, Value = "3600000" }],
        });
        var response = await client.SendToAnyAsync<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>(request, Ct);
        return response.Responses.Single().ErrorCode;
    }

    private static async Task<ErrorCode> DeleteRecords(ClusterClient client, string topic)
    {
        var request = new DeleteRecordsRequest { TimeoutMs = 10_000 };
        request.Topics.Add(new DeleteRecordsRequest.Topic { Name = topic, Partitions = [new DeleteRecordsRequest.Partition { PartitionIndex = 0, Offset = 0 }] });
        var response = await client.SendToAnyAsync<DeleteRecordsRequest, DeleteRecordsResponse>(request, Ct);
        return response.Topics.Single().Partitions.Single().ErrorCode;
    }

    private static async Task<ErrorCode> OffsetForLeaderEpoch(ClusterClient client, string topic)
    {
        var request = new OffsetForLeaderEpochRequest { ReplicaId = -1 };
        request.Topics.Add(new OffsetForLeaderEpochRequest.Topic { Name = topic, Partitions = [new OffsetForLeaderEpochRequest.Partition { PartitionIndex = 0, LeaderEpoch = 0 }] });
        var response = await client.SendToAnyAsync<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(request, Ct);
        return response.Topics.Single().Partitions.Single().ErrorCode;
    }

    private static async Task<ErrorCode> InitProducerId(ClusterClient client) =>
        (await client.SendToAnyAsync<InitProducerIdRequest, InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000 }, Ct)).ErrorCode;

    private static async Task<ErrorCode> DescribeLogDirs(ClusterClient client)
    {
        var response = await client.SendToAnyAsync<DescribeLogDirsRequest, DescribeLogDirsResponse>(new DescribeLogDirsRequest { Topics = null }, Ct);
        // Versions before 3 carry no top-level error: a refusal is an empty answer.
        return response.ErrorCode != ErrorCode.None ? response.ErrorCode : response.Results.Count == 0 ? ErrorCode.ClusterAuthorizationFailed : ErrorCode.None;
    }

    private static async Task<ErrorCode> FindCoordinator(ClusterClient client, string group) =>
        (await client.SendToAnyAsync<FindCoordinatorRequest, FindCoordinatorResponse>(new FindCoordinatorRequest { Key = group, KeyType = 0 }, Ct)).ErrorCode;

    private static async Task<ErrorCode> JoinGroup(ClusterClient client, string group)
    {
        var request = new JoinGroupRequest { GroupId = group, SessionTimeoutMs = 10_000, RebalanceTimeoutMs = 10_000, MemberId = "", ProtocolType = "consumer" };
        request.Protocols.Add(new JoinGroupRequest.Protocol { Name = "range", Metadata = new byte[8] });
        return (await client.SendToAnyAsync<JoinGroupRequest, JoinGroupResponse>(request, Ct)).ErrorCode;
    }

    private static async Task<ErrorCode> SyncGroup(ClusterClient client, string group) =>
        (await client.SendToAnyAsync<SyncGroupRequest, SyncGroupResponse>(new SyncGroupRequest { GroupId = group, GenerationId = 1, MemberId = "nobody" }, Ct)).ErrorCode;

    private static async Task<ErrorCode> Heartbeat(ClusterClient client, string group) =>
        (await client.SendToAnyAsync<HeartbeatRequest, HeartbeatResponse>(new HeartbeatRequest { GroupId = group, GenerationId = 1, MemberId = "nobody" }, Ct)).ErrorCode;

    private static async Task<ErrorCode> LeaveGroup(ClusterClient client, string group)
    {
        var request = new LeaveGroupRequest { GroupId = group, MemberId = "nobody" };
        request.Members.Add(new LeaveGroupRequest.Member { MemberId = "nobody" });
        return (await client.SendToAnyAsync<LeaveGroupRequest, LeaveGroupResponse>(request, Ct)).ErrorCode;
    }

    private static async Task<ErrorCode> Commit(ClusterClient client, string group, string topic)
    {
        var request = new OffsetCommitRequest { GroupId = group, GenerationId = -1, MemberId = "" };
        request.Topics.Add(new OffsetCommitRequest.Topic { Name = topic, Partitions = [new OffsetCommitRequest.Partition { PartitionIndex = 0, CommittedOffset = 1 }] });
        var response = await client.SendToAnyAsync<OffsetCommitRequest, OffsetCommitResponse>(request, Ct);
        return response.Topics.Single().Partitions.Single().ErrorCode;
    }

    private static async Task<ErrorCode> FetchOffsets(ClusterClient client, string group, string topic)
    {
        var request = new OffsetFetchRequest { GroupId = group, Topics = [new OffsetFetchRequest.Topic { Name = topic, PartitionIndexes = [0] }] };
        var response = await client.SendToAnyAsync<OffsetFetchRequest, OffsetFetchResponse>(request, Ct);
        if (response.ErrorCode != ErrorCode.None)
            return response.ErrorCode;
        var partition = response.Topics.Single().Partitions.Single();
        return partition.ErrorCode != ErrorCode.None ? partition.ErrorCode : partition.CommittedOffset == 1 ? ErrorCode.None : ErrorCode.UnknownServerError;
    }

    private static async Task<ErrorCode> DescribeGroup(ClusterClient client, string group) =>
        (await client.SendToAnyAsync<DescribeGroupsRequest, DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = [group] }, Ct)).Groups.Single().ErrorCode;

    private static async Task<ErrorCode> DeleteGroup(ClusterClient client, string group) =>
        (await client.SendToAnyAsync<DeleteGroupsRequest, DeleteGroupsResponse>(new DeleteGroupsRequest { GroupNames = [group] }, Ct)).Results.Single().ErrorCode;

    private static async Task<ErrorCode> DeleteOffsets(ClusterClient client, string group, string topic)
    {
        var request = new OffsetDeleteRequest { GroupId = group };
        request.Topics.Add(new OffsetDeleteRequest.Topic { Name = topic, Partitions = [new OffsetDeleteRequest.Partition { PartitionIndex = 0 }] });
        var response = await client.SendToAnyAsync<OffsetDeleteRequest, OffsetDeleteResponse>(request, Ct);
        return response.ErrorCode != ErrorCode.None ? response.ErrorCode : response.Topics.Single().Partitions.Single().ErrorCode;
    }

    private static async Task<ErrorCode> CreateAcl(ClusterClient client)
    {
        var request = new CreateAclsRequest();
        request.Creations.Add(new CreateAclsRequest.Creation
        {
            ResourceType = (sbyte)AclResourceType.Topic, ResourceName = "m-acl-made", ResourcePatternType = (sbyte)AclPatternType.Literal,
            Principal = "User:carol", Host = "*", Operation = (sbyte)AclOperation.Read, PermissionType = (sbyte)AclPermissionType.Allow,
        });
        return (await client.SendToAnyAsync<CreateAclsRequest, CreateAclsResponse>(request, Ct)).Results.Single().ErrorCode;
    }

    private static async Task<ErrorCode> DescribeAcls(ClusterClient client)
    {
        var request = new DescribeAclsRequest
        {
            ResourceTypeFilter = (sbyte)AclResourceType.Any, PatternTypeFilter = (sbyte)AclPatternType.Any,
            Operation = (sbyte)AclOperation.Any, PermissionType = (sbyte)AclPermissionType.Any,
        };
        var response = await client.SendToAnyAsync<DescribeAclsRequest, DescribeAclsResponse>(request, Ct);
        return response.ErrorCode != ErrorCode.None ? response.ErrorCode : response.Resources.Count > 0 ? ErrorCode.None : ErrorCode.UnknownServerError;
    }

    private static async Task<ErrorCode> DeleteAcl(ClusterClient client)
    {
        var request = new DeleteAclsRequest();
        request.Filters.Add(new DeleteAclsRequest.Filter
        {
            ResourceTypeFilter = (sbyte)AclResourceType.Topic, ResourceNameFilter = "m-nothing-here", PatternTypeFilter = (sbyte)AclPatternType.Literal,
            Operation = (sbyte)AclOperation.Any, PermissionType = (sbyte)AclPermissionType.Any,
        });
        return (await client.SendToAnyAsync<DeleteAclsRequest, DeleteAclsResponse>(request, Ct)).FilterResults.Single().ErrorCode;
    }
}
