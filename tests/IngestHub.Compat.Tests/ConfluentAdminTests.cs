using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// Confluent.Kafka 2.16 (librdkafka 2.16) admin calls against one out-of-process server, each answered and
/// each with an effect the client can see: DescribeCluster, ListOffsets (earliest, latest, max timestamp,
/// by time), DeleteRecords, IncrementalAlterConfigs/DescribeConfigs (topic and broker, applied and persisted
/// across a restart), DeleteGroups and DeleteConsumerGroupOffsets.
/// </summary>
public sealed class ConfluentAdminTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.Bootstrap }).Build();

    private IProducer<string, string> Producer(Action<ProducerConfig>? configure = null)
    {
        var config = new ProducerConfig { BootstrapServers = fixture.Bootstrap, EnableIdempotence = true, LingerMs = 0 };
        configure?.Invoke(config);
        return new ProducerBuilder<string, string>(config).Build();
    }

    private async Task CreateTopicAsync(IAdminClient admin, string topic, int partitions = 1) =>
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);

    private async Task ProduceAsync(string topic, int count, Func<int, long>? timestamp = null)
    {
        using var producer = Producer();
        for (int i = 0; i < count; i++)
        {
            var message = new Message<string, string> { Key = "k" + i, Value = "v" + i };
            if (timestamp is not null)
                message.Timestamp = new Timestamp(timestamp(i), TimestampType.CreateTime);
            await producer.ProduceAsync(new TopicPartition(topic, 0), message);
        }
    }

    [Fact]
    public async Task DescribeCluster_names_the_cluster_and_this_broker_as_its_node_and_controller()
    {
        using var admin = Admin();
        var cluster = await admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = Deadline });
        Assert.False(string.IsNullOrEmpty(cluster.ClusterId));
        var node = Assert.Single(cluster.Nodes);
        Assert.Equal(1, node.Id);
        Assert.Equal(fixture.Server.KafkaPort, node.Port);
        Assert.Equal(1, cluster.Controller?.Id);
    }

    [Fact]
    public async Task ListOffsets_answers_earliest_latest_max_timestamp_and_by_time()
    {
        string topic = Unique("lo");
        using var admin = Admin();
        await CreateTopicAsync(admin, topic);
        // Timestamps rise, except record 6 which carries the largest one.
        await ProduceAsync(topic, 10, i => i == 6 ? 1_800_000_000_000 : 1_700_000_000_000 + i * 1000);
        var tp = new TopicPartition(topic, 0);

        async Task<ListOffsetsResultInfo> Ask(OffsetSpec spec)
        {
            var result = await admin.ListOffsetsAsync([new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = spec }],
                new ListOffsetsOptions { RequestTimeout = Deadline });
            var info = Assert.Single(result.ResultInfos);
            Assert.Equal(ErrorCode.NoError, info.TopicPartitionOffsetError.Error.Code);
            return info;
        }

        Assert.Equal(0, (await Ask(OffsetSpec.Earliest())).TopicPartitionOffsetError.Offset.Value);
        Assert.Equal(10, (await Ask(OffsetSpec.Latest())).TopicPartitionOffsetError.Offset.Value);
        var max = await Ask(OffsetSpec.MaxTimestamp());
        Assert.Equal(6, max.TopicPartitionOffsetError.Offset.Value);
        Assert.Equal(1_800_000_000_000, max.Timestamp);
        Assert.Equal(3, (await Ask(OffsetSpec.ForTimestamp(1_700_000_002_500))).TopicPartitionOffsetError.Offset.Value);
    }

    [Fact]
    public async Task DeleteRecords_moves_the_low_watermark_and_consumers_start_there()
    {
        string topic = Unique("dr");
        using var admin = Admin();
        await CreateTopicAsync(admin, topic);
        await ProduceAsync(topic, 20);
        var tp = new TopicPartition(topic, 0);

        var deleted = await admin.DeleteRecordsAsync([new TopicPartitionOffset(tp, 12)], new DeleteRecordsOptions { RequestTimeout = Deadline });
        Assert.Equal(12, Assert.Single(deleted).Offset.Value);

        var earliest = await admin.ListOffsetsAsync([new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = OffsetSpec.Earliest() }]);
        Assert.Equal(12, earliest.ResultInfos[0].TopicPartitionOffsetError.Offset.Value);

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = fixture.Bootstrap, GroupId = Unique("dr-g"), AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
        var first = consumer.Consume(Deadline);
        Assert.NotNull(first);
        Assert.Equal(12, first.Offset.Value);
        Assert.Equal("v12", first.Message.Value);

        // Past the high watermark is refused.
        var refused = await Assert.ThrowsAsync<DeleteRecordsException>(() =>
            admin.DeleteRecordsAsync([new TopicPartitionOffset(tp, 21)], new DeleteRecordsOptions { RequestTimeout = Deadline }));
        Assert.Equal(ErrorCode.OffsetOutOfRange, refused.Results[0].Error.Code);
    }

    [Fact]
    public async Task IncrementalAlterConfigs_sets_topic_configs_that_take_effect_are_described_and_survive_a_restart()
    {
        string topic = Unique("iac");
        using (var admin = Admin())
        {
            await CreateTopicAsync(admin, topic);
            var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [resource] =
                [
                    new ConfigEntry { Name = "max.message.bytes", Value = "2000", IncrementalOperation = AlterConfigOpType.Set },
                    new ConfigEntry { Name = "retention.ms", Value = "3600000", IncrementalOperation = AlterConfigOpType.Set },
                    new ConfigEntry { Name = "cleanup.policy", Value = "compact", IncrementalOperation = AlterConfigOpType.Append },
                ],
            }, new IncrementalAlterConfigsOptions { RequestTimeout = Deadline });

            var described = Assert.Single(await admin.DescribeConfigsAsync([resource]));
            Assert.Equal("2000", described.Entries["max.message.bytes"].Value);
            Assert.Equal(ConfigSource.DynamicTopicConfig, described.Entries["max.message.bytes"].Source);
            Assert.Equal("3600000", described.Entries["retention.ms"].Value);
            Assert.Equal("delete,compact", described.Entries["cleanup.policy"].Value);
            Assert.Equal(ConfigSource.DefaultConfig, described.Entries["segment.ms"].Source);

            // max.message.bytes is applied: a batch above 2000 bytes is refused, a small one accepted.
            using var producer = Producer(c => { c.EnableIdempotence = false; c.CompressionType = CompressionType.None; c.MessageMaxBytes = 100_000; });
            var tooLarge = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
                producer.ProduceAsync(topic, new Message<string, string> { Key = "big", Value = new string('x', 5000) }));
            Assert.Equal(ErrorCode.MsgSizeTooLarge, tooLarge.Error.Code);
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "small", Value = "fits" });

            // An unknown config and a bad value are refused with INVALID_CONFIG; nothing changes.
            var refused = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(
                new Dictionary<ConfigResource, List<ConfigEntry>>
                {
                    [resource] = [new ConfigEntry { Name = "retention.ms", Value = "soon", IncrementalOperation = AlterConfigOpType.Set }],
                }));
            Assert.Equal(ErrorCode.InvalidConfig, refused.Results[0].Error.Code);

            // DELETE returns a config to its default.
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [resource] = [new ConfigEntry { Name = "retention.ms", IncrementalOperation = AlterConfigOpType.Delete }],
            });
        }

        await fixture.Server.RestartAsync();

        using (var admin = Admin())
        {
            var described = Assert.Single(await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]));
            Assert.Equal("2000", described.Entries["max.message.bytes"].Value);
            Assert.Equal(ConfigSource.DynamicTopicConfig, described.Entries["max.message.bytes"].Source);
            Assert.Equal("604800000", described.Entries["retention.ms"].Value);
            Assert.Equal(ConfigSource.DefaultConfig, described.Entries["retention.ms"].Source);
        }
    }

    [Fact]
    public async Task IncrementalAlterConfigs_sets_a_dynamic_broker_default_that_topics_inherit_and_refuses_static_ones()
    {
        string topic = Unique("bcfg");
        using var admin = Admin();
        await CreateTopicAsync(admin, topic);
        var broker = new ConfigResource { Type = ResourceType.Broker, Name = "1" };
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [broker] = [new ConfigEntry { Name = "log.retention.ms", Value = "7200000", IncrementalOperation = AlterConfigOpType.Set }],
        });
        try
        {
            var brokerConfigs = Assert.Single(await admin.DescribeConfigsAsync([broker]));
            Assert.Equal("7200000", brokerConfigs.Entries["log.retention.ms"].Value);
            Assert.Equal(ConfigSource.DynamicBrokerConfig, brokerConfigs.Entries["log.retention.ms"].Source);
            var topicConfigs = Assert.Single(await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]));
            Assert.Equal("7200000", topicConfigs.Entries["retention.ms"].Value);

            var refused = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => admin.IncrementalAlterConfigsAsync(
                new Dictionary<ConfigResource, List<ConfigEntry>>
                {
                    [broker] = [new ConfigEntry { Name = "node.id", Value = "7", IncrementalOperation = AlterConfigOpType.Set }],
                }));
            Assert.Equal(ErrorCode.InvalidRequest, refused.Results[0].Error.Code);
        }
        finally
        {
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [broker] = [new ConfigEntry { Name = "log.retention.ms", IncrementalOperation = AlterConfigOpType.Delete }],
            });
        }
    }

    [Fact]
    public async Task DeleteConsumerGroupOffsets_and_DeleteGroups_remove_what_a_group_committed()
    {
        string topic = Unique("dg");
        string group = Unique("dg-group");
        using var admin = Admin();
        await CreateTopicAsync(admin, topic, partitions: 2);
        await ProduceAsync(topic, 5);
        var p0 = new TopicPartition(topic, 0);
        var p1 = new TopicPartition(topic, 1);

        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = fixture.Bootstrap, GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
            SessionTimeoutMs = 10_000,
        };
        using (var consumer = new ConsumerBuilder<string, string>(consumerConfig).Build())
        {
            consumer.Subscribe(topic);
            var record = consumer.Consume(Deadline);
            Assert.NotNull(record);
            consumer.Commit([new TopicPartitionOffset(p0, 3), new TopicPartitionOffset(p1, 0)]);

            // While the member subscribes to the topic, its offsets and the group stay.
            var busy = await Assert.ThrowsAsync<DeleteConsumerGroupOffsetsException>(() => admin.DeleteConsumerGroupOffsetsAsync(group, [p0]));
            Assert.Equal(ErrorCode.GroupSubscribedToTopic, busy.Result.Partitions[0].Error.Code);
            var nonEmpty = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([group]));
            Assert.Equal(ErrorCode.NonEmptyGroup, nonEmpty.Results[0].Error.Code);
            consumer.Close();
        }

        var deletedOffsets = await admin.DeleteConsumerGroupOffsetsAsync(group, [p0]);
        Assert.Equal(p0, Assert.Single(deletedOffsets.Partitions));
        var left = Assert.Single(await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, [p0, p1])]));
        Assert.Equal(Offset.Unset, left.Partitions.Single(p => p.Partition == 0).Offset);
        Assert.Equal(0, left.Partitions.Single(p => p.Partition == 1).Offset.Value);

        await admin.DeleteGroupsAsync([group], new DeleteGroupsOptions { RequestTimeout = Deadline });
        var groups = await admin.ListConsumerGroupsAsync();
        Assert.DoesNotContain(groups.Valid, g => g.GroupId == group);
        var gone = Assert.Single(await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, [p1])]));
        Assert.Equal(Offset.Unset, gone.Partitions[0].Offset);

        var unknown = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([group]));
        Assert.Equal(ErrorCode.GroupIdNotFound, unknown.Results[0].Error.Code);
    }
}
