using Confluent.Kafka;
using Confluent.Kafka.Admin;
using IngestHub.Compat.Tests.Infrastructure;
using IngestHub.Testing;
using Xunit;
using Acl = IngestHub.Protocol.Acls;

namespace IngestHub.Compat.Tests;

/// <summary>
/// ACLs seen by real clients over SASL/PLAIN on loopback: Confluent.Kafka 2.16's admin CreateAcls, DescribeAcls and
/// DeleteAcls (and the refusal of a principal without ALTER on the cluster); its producer and consumer allowed and
/// refused with TOPIC_AUTHORIZATION_FAILED; kcat (librdkafka 2.0.2) producing and consuming, refused with the
/// authorization error while an allowed user gets through.
/// </summary>
public sealed class AclClientTests(AclApplianceFixture fixture) : IClassFixture<AclApplianceFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private T Sasl<T>(T config, string user) where T : ClientConfig
    {
        config.BootstrapServers = fixture.SaslPlaintext;
        config.SecurityProtocol = SecurityProtocol.SaslPlaintext;
        config.SaslMechanism = SaslMechanism.Plain;
        config.SaslUsername = user;
        config.SaslPassword = AclApplianceFixture.PasswordOf(user);
        return config;
    }

    private IAdminClient Admin(string user) => new AdminClientBuilder(Sasl(new AdminClientConfig(), user)).Build();

    private async Task CreateTopicAsync(string topic)
    {
        using var admin = Admin(AclApplianceFixture.Admin);
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
    }

    private static AclBinding TopicAcl(string topic, string principal, AclOperation operation, AclPermissionType permission = AclPermissionType.Allow) => new()
    {
        Pattern = new ResourcePattern { Type = ResourceType.Topic, Name = topic, ResourcePatternType = ResourcePatternType.Literal },
        Entry = new AccessControlEntry { Principal = principal, Host = "*", Operation = operation, PermissionType = permission },
    };

    [Fact]
    public async Task Confluent_admin_creates_describes_and_deletes_ACLs()
    {
        const string topic = "c-acl-admin";
        using var admin = Admin(AclApplianceFixture.Admin);
        await admin.CreateAclsAsync([
            TopicAcl(topic, "User:alice", AclOperation.Read),
            TopicAcl(topic, "User:alice", AclOperation.Write),
            TopicAcl(topic, "User:bob", AclOperation.Write, AclPermissionType.Deny),
        ]);

        var filter = new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Topic, Name = topic, ResourcePatternType = ResourcePatternType.Any },
            EntryFilter = new AccessControlEntryFilter { Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
        };
        var described = await admin.DescribeAclsAsync(filter);
        Assert.Equal(3, described.AclBindings.Count);
        Assert.Contains(described.AclBindings, b => b.Entry.Principal == "User:bob" && b.Entry.PermissionType == AclPermissionType.Deny && b.Entry.Operation == AclOperation.Write);

        // A principal without ALTER on the cluster may not change ACLs.
        using (var bob = Admin(AclApplianceFixture.Bob))
        {
            var refused = await Assert.ThrowsAsync<CreateAclsException>(() => bob.CreateAclsAsync([TopicAcl(topic, "User:bob", AclOperation.All)]));
            Assert.Equal(ErrorCode.ClusterAuthorizationFailed, refused.Results.Single().Error.Code);
        }

        var aliceOnly = new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Topic, Name = topic, ResourcePatternType = ResourcePatternType.Literal },
            EntryFilter = new AccessControlEntryFilter { Principal = "User:alice", Operation = AclOperation.Any, PermissionType = AclPermissionType.Allow },
        };
        var deleted = await admin.DeleteAclsAsync([aliceOnly]);
        Assert.Equal(2, deleted.Single().AclBindings.Count);
        var left = await admin.DescribeAclsAsync(filter);
        Assert.Equal("User:bob", Assert.Single(left.AclBindings).Entry.Principal);
    }

    [Fact]
    public async Task Confluent_producer_and_consumer_are_allowed_or_refused_by_topic_ACLs()
    {
        const string topic = "c-acl-clients";
        const string group = "c-acl-clients-group";
        await CreateTopicAsync(topic);
        await fixture.GrantAsync(
            AclApplianceFixture.Allow(AclApplianceFixture.Alice, Acl.AclResourceType.Topic, topic, Acl.AclOperation.Write),
            AclApplianceFixture.Allow(AclApplianceFixture.Alice, Acl.AclResourceType.Topic, topic, Acl.AclOperation.Read),
            AclApplianceFixture.Allow("*", Acl.AclResourceType.Group, group, Acl.AclOperation.Read, Acl.AclPatternType.Prefixed));

        using (var producer = new ProducerBuilder<string, string>(Sasl(new ProducerConfig { MessageTimeoutMs = 20_000 }, AclApplianceFixture.Alice)).Build())
        {
            for (int i = 0; i < 5; i++)
                Assert.Equal(PersistenceStatus.Persisted, (await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "v" + i }, Ct)).Status);
        }
        using (var producer = new ProducerBuilder<string, string>(Sasl(new ProducerConfig { MessageTimeoutMs = 20_000 }, AclApplianceFixture.Bob)).Build())
        {
            var refused = await Assert.ThrowsAsync<ProduceException<string, string>>(() => producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "bob" }, Ct));
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, refused.Error.Code);
        }

        Assert.Equal(5, ConsumeUntilRefusedOrCount(AclApplianceFixture.Alice, topic, group, 5, out var aliceError));
        Assert.Null(aliceError);
        Assert.Equal(0, ConsumeUntilRefusedOrCount(AclApplianceFixture.Bob, topic, group + "-bob", 5, out var bobError));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, bobError);
    }

    /// <summary>Consumes from the beginning until <paramref name="count"/> records or the first error, within the deadline.</summary>
    private int ConsumeUntilRefusedOrCount(string user, string topic, string group, int count, out ErrorCode? error)
    {
        error = null;
        var config = Sasl(new ConsumerConfig { GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false }, user);
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe(topic);
        int received = 0;
        var until = DateTime.UtcNow + Deadline;
        try
        {
            while (received < count && DateTime.UtcNow < until)
            {
                try
                {
                    if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false } result && result.Message is not null)
                        received++;
                }
                catch (ConsumeException ex)
                {
                    error = ex.Error.Code;
                    break;
                }
            }
        }
        finally
        {
            consumer.Close();
        }
        return received;
    }

    [Fact]
    public async Task Kcat_produce_and_consume_are_refused_with_the_authorization_error_and_allowed_with_an_ACL()
    {
        const string topic = "c-acl-kcat";
        await CreateTopicAsync(topic);
        await fixture.GrantAsync(
            AclApplianceFixture.Allow(AclApplianceFixture.Alice, Acl.AclResourceType.Topic, topic, Acl.AclOperation.Write),
            AclApplianceFixture.Allow(AclApplianceFixture.Alice, Acl.AclResourceType.Topic, topic, Acl.AclOperation.Read));

        var refusedProduce = await Kcat.RunAsync(["-P", .. fixture.KcatArgs(AclApplianceFixture.Bob), "-t", topic, "-p", "0", "-X", "message.timeout.ms=15000"], "bob-1\nbob-2\n", cancellationToken: Ct);
        Assert.False(refusedProduce.Succeeded, refusedProduce.Describe());
        Assert.Contains("authorization failed", refusedProduce.StdErr, StringComparison.OrdinalIgnoreCase);

        var produce = await Kcat.RunAsync(["-P", .. fixture.KcatArgs(AclApplianceFixture.Alice), "-t", topic, "-p", "0", "-X", "message.timeout.ms=15000"], "alice-1\nalice-2\nalice-3\n", cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe());

        var refusedConsume = await Kcat.RunAsync(["-C", .. fixture.KcatArgs(AclApplianceFixture.Bob), "-t", topic, "-p", "0", "-o", "beginning", "-e"], timeout: Deadline, cancellationToken: Ct);
        Assert.False(refusedConsume.Succeeded, refusedConsume.Describe());
        Assert.Contains("authorization failed", refusedConsume.StdErr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alice-1", refusedConsume.StdOut, StringComparison.Ordinal);

        var consume = await Kcat.RunAsync(["-C", .. fixture.KcatArgs(AclApplianceFixture.Alice), "-t", topic, "-p", "0", "-o", "beginning", "-e"], timeout: Deadline, cancellationToken: Ct);
        Assert.True(consume.Succeeded, consume.Describe());
        Assert.Equal(["alice-1", "alice-2", "alice-3"], consume.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
