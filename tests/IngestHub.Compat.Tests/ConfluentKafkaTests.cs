using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// Confluent.Kafka 2.16 (librdkafka 2.16, much newer than Debian's kcat) in-process against the appliance: the
/// producer with every codec and idempotence, a group consumer that commits, and the admin calls. Calls the broker
/// does not answer yet are pinned to the error librdkafka reports today, so a change in either notices.
/// </summary>
public sealed class ConfluentKafkaTests(ApplianceFixture appliance) : IClassFixture<ApplianceFixture>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ProducerConfig ProducerConfig(CompressionType compression) => new()
    {
        BootstrapServers = appliance.Bootstrap,
        EnableIdempotence = true,
        Acks = Acks.All,
        CompressionType = compression,
        LingerMs = 20,
        MessageTimeoutMs = 60_000,
    };

    private ConsumerConfig ConsumerConfig(string group) => new()
    {
        BootstrapServers = appliance.Bootstrap,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        EnablePartitionEof = true,
        SessionTimeoutMs = 10_000,
    };

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = appliance.Bootstrap }).Build();

    private async Task CreateTopicAsync(string topic, int partitions)
    {
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    private async Task<List<DeliveryResult<string, string>>> ProduceAsync(string topic, int count, CompressionType compression = CompressionType.None, int from = 0)
    {
        using var producer = new ProducerBuilder<string, string>(ProducerConfig(compression)).Build();
        var sends = new List<Task<DeliveryResult<string, string>>>();
        for (int i = from; i < from + count; i++)
        {
            var headers = new Headers { { "origin", Encoding.UTF8.GetBytes("confluent") }, { "n", Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) } };
            // Values long and repetitive enough that every codec really compresses.
            sends.Add(producer.ProduceAsync(topic, new Message<string, string> { Key = "k" + i, Value = $"value {i} " + new string('x', 200), Headers = headers }, Ct));
        }
        var results = await Task.WhenAll(sends);
        producer.Flush(Ct);
        return [.. results];
    }

    /// <summary>Reads <paramref name="count"/> records from the beginning of every partition (no group).</summary>
    private List<ConsumeResult<string, string>> ReadAll(string topic, int partitions, int count)
    {
        var config = ConsumerConfig("unused-" + Guid.NewGuid().ToString("N"));
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var received = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + s_timeout;
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is { IsPartitionEOF: false })
                received.Add(result);
        }
        Assert.True(received.Count == count, $"read {received.Count} of {count} records of {topic}");
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(300)) is { IsPartitionEOF: false } extra ? extra : null);
        return received;
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Idempotent_producer_with_each_codec_is_acknowledged_once_per_record_and_reads_back_in_order(CompressionType compression)
    {
        string topic = "cf-codec-" + compression.ToString().ToLowerInvariant();
        await CreateTopicAsync(topic, 3);
        var acks = await ProduceAsync(topic, 300, compression);

        Assert.All(acks, a => Assert.Equal(PersistenceStatus.Persisted, a.Status));
        // Idempotence: every partition's acknowledged offsets are exactly 0..n-1, nothing written twice.
        foreach (var partition in acks.GroupBy(a => a.Partition.Value))
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(a => a.Offset.Value).Order());

        var received = ReadAll(topic, 3, 300);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => "k" + i).Order(), received.Select(r => r.Message.Key).Order());
        foreach (var r in received)
        {
            string n = r.Message.Key[1..];
            Assert.Equal($"value {n} " + new string('x', 200), r.Message.Value);
            Assert.Equal("confluent", Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("origin")));
            Assert.Equal(n, Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("n")));
        }
        foreach (var partition in received.GroupBy(r => r.Partition.Value))
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.Offset.Value));
        // The same key always lands in one partition (librdkafka's consistent_random partitioner).
        Assert.All(received.GroupBy(r => r.Message.Key), g => Assert.Single(g.Select(r => r.Partition.Value).Distinct()));
    }

    [Fact]
    public async Task Group_consumer_commits_are_visible_through_the_appliance_and_a_second_member_resumes_after_them()
    {
        const string topic = "cf-group", group = "cf-group-readers";
        await CreateTopicAsync(topic, 3);
        await ProduceAsync(topic, 100);

        // First member: consume 60 records, commit exactly what it consumed, leave.
        var first = new List<ConsumeResult<string, string>>();
        var committed = new Dictionary<int, long>();
        using (var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(group)).Build())
        {
            consumer.Subscribe(topic);
            var deadline = DateTime.UtcNow + s_timeout;
            while (first.Count < 60 && DateTime.UtcNow < deadline)
                if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { IsPartitionEOF: false } r)
                    first.Add(r);
            Assert.Equal(60, first.Count);
            foreach (var partition in first.GroupBy(r => r.Partition.Value))
                committed[partition.Key] = partition.Max(r => r.Offset.Value) + 1;
            consumer.Commit(committed.Select(c => new TopicPartitionOffset(topic, c.Key, c.Value)));

            var fromBroker = consumer.Committed(committed.Keys.Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(30));
            Assert.All(fromBroker, c => Assert.Equal(committed[c.Partition.Value], c.Offset.Value));

            // The appliance reports the same committed offsets (and the lag behind them) on its group API, once its
            // lag monitor has sampled the group.
            JsonArray partitions = [];
            await IngestHub.Testing.Poll.UntilAsync(async () =>
            {
                using var response = await appliance.Host.Http.GetAsync(new Uri($"api/groups/{group}", UriKind.Relative));
                if (!response.IsSuccessStatusCode)
                    return false;
                partitions = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["partitions"]!.AsArray();
                return committed.All(c => partitions.Any(p => (int)p!["partition"]! == c.Key && p["committed_offset"] is JsonValue v && v.GetValue<long>() == c.Value));
            }, TimeSpan.FromSeconds(60), () => $"api/groups/{group} did not show the committed offsets: {partitions.ToJsonString()}");
            foreach (var p in partitions)
            {
                int index = (int)p!["partition"]!;
                long end = (long)p["log_end_offset"]!;
                long expected = committed.GetValueOrDefault(index, -1);
                if (expected >= 0)
                {
                    Assert.Equal(expected, (long)p["committed_offset"]!);
                    Assert.Equal(end - expected, (long)p["lag"]!);
                }
            }
            Assert.Equal(committed.Count, partitions.Count(p => p!["committed_offset"] is JsonValue v && v.GetValue<long>() >= 0));

            using var admin = Admin();
            var description = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
            Assert.Equal(ConsumerGroupState.Stable, description.State);
            Assert.Single(description.Members);
            Assert.Equal(3, description.Members[0].Assignment.TopicPartitions.Count);
            Assert.Equal(appliance.Host.Broker.Identity.NodeId, description.Coordinator.Id);
            var listed = await admin.ListConsumerGroupsAsync();
            Assert.Contains(listed.Valid, g => g.GroupId == group && !g.IsSimpleConsumerGroup);
            var offsets = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)])).Single();
            Assert.Equal(committed.OrderBy(c => c.Key).Select(c => (c.Key, c.Value)),
                offsets.Partitions.Where(p => p.Offset.Value >= 0).OrderBy(p => p.Partition.Value).Select(p => (p.Partition.Value, p.Offset.Value)));
            consumer.Close();
        }

        // Second member of the same group: starts after the commits and reads exactly the other 40.
        var second = new List<ConsumeResult<string, string>>();
        using (var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(group)).Build())
        {
            consumer.Subscribe(topic);
            var ends = new HashSet<int>();
            var deadline = DateTime.UtcNow + s_timeout;
            while (ends.Count < 3 && DateTime.UtcNow < deadline)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(500));
                if (r is null)
                    continue;
                if (r.IsPartitionEOF)
                    ends.Add(r.Partition.Value);
                else
                    second.Add(r);
            }
            Assert.Equal(3, ends.Count);
            consumer.Commit();
            consumer.Close();
        }
        Assert.Equal(40, second.Count);
        Assert.All(second, r => Assert.True(r.Offset.Value >= committed.GetValueOrDefault(r.Partition.Value, 0), $"{r.TopicPartitionOffset} was before the commit"));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => "k" + i).Order(), first.Concat(second).Select(r => r.Message.Key).Order());
        await Polling.Eventually(async () => (long)(await appliance.Host.GetJsonAsync($"api/groups/{group}"))["total_lag"]! == 0, s_timeout, "lag 0 after the second member committed");
    }

    [Fact]
    public async Task Admin_moves_a_group_s_offsets_and_the_next_member_starts_there()
    {
        const string topic = "cf-alter", group = "cf-alter-readers";
        await CreateTopicAsync(topic, 1);
        await ProduceAsync(topic, 10);
        using var admin = Admin();

        var altered = await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(group, [new TopicPartitionOffset(topic, 0, 7)])]);
        Assert.Equal(ErrorCode.NoError, Assert.Single(altered.Single().Partitions).Error.Code);

        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig(group)).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow + s_timeout;
        ConsumeResult<string, string>? r = null;
        while (r is not { IsPartitionEOF: false } && DateTime.UtcNow < deadline)
            r = consumer.Consume(TimeSpan.FromMilliseconds(500));
        Assert.NotNull(r);
        Assert.Equal(7, r.Offset.Value);
        consumer.Close();
    }

    [Fact]
    public async Task Admin_creates_describes_extends_and_deletes_topics()
    {
        const string topic = "cf-admin-topic";
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "3600000" } }]);
        var again = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, again.Results.Single().Error.Code);

        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(30));
        Assert.Equal(appliance.Host.Broker.Identity.NodeId, Assert.Single(metadata.Brokers).BrokerId);
        var partitions = Assert.Single(metadata.Topics).Partitions;
        Assert.Equal([0, 1], partitions.Select(p => p.PartitionId).Order());
        Assert.All(partitions, p => Assert.Equal(metadata.Brokers[0].BrokerId, p.Leader));

        var described = (await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic]))).TopicDescriptions.Single();
        Assert.Equal(ErrorCode.NoError, described.Error.Code);
        Assert.Equal(2, described.Partitions.Count);
        Assert.All(described.Partitions, p => Assert.Equal(metadata.Brokers[0].BrokerId, p.Leader.Id));

        var configs = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }])).Single().Entries;
        Assert.Equal("3600000", configs["retention.ms"].Value);
        Assert.Equal("delete", configs["cleanup.policy"].Value);

        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 5 }]);
        await Polling.Eventually(() => admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count == 5, s_timeout, "five partitions after CreatePartitions");

        await admin.DeleteTopicsAsync([topic]);
        await Polling.Eventually(() => appliance.Host.Broker.Topics.Topics.All(t => t.Name != topic), s_timeout, "topic gone from the broker");
        var missing = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync([topic]));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, missing.Results.Single().Error.Code);
    }

    [Fact]
    public async Task Admin_describes_the_cluster_and_the_broker_configs()
    {
        using var admin = Admin();
        var cluster = await admin.DescribeClusterAsync();
        var identity = appliance.Host.Broker.Identity;
        Assert.Equal(identity.ClusterId, cluster.ClusterId);
        var node = Assert.Single(cluster.Nodes);
        Assert.Equal(identity.NodeId, node.Id);
        Assert.Equal(appliance.Host.Broker.AdvertisedPort, node.Port);
        Assert.Equal(identity.NodeId, cluster.Controller.Id);

        var broker = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = identity.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture) }])).Single().Entries;
        Assert.Equal(identity.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture), broker["node.id"].Value);
        Assert.True(broker.ContainsKey("num.partitions"));
    }

    [Fact]
    public async Task Admin_lists_earliest_latest_and_by_timestamp_offsets()
    {
        const string topic = "cf-list-offsets";
        await CreateTopicAsync(topic, 1);
        long baseTime = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
        using (var producer = new ProducerBuilder<string, string>(ProducerConfig(CompressionType.None)).Build())
        {
            for (int i = 0; i < 10; i++)
                await producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, string> { Key = "k", Value = "v" + i, Timestamp = new Timestamp(baseTime + i * 1000, TimestampType.CreateTime) }, Ct);
        }
        using var admin = Admin();
        var tp = new TopicPartition(topic, 0);
        async Task<long> OffsetAsync(OffsetSpec spec) =>
            (await admin.ListOffsetsAsync([new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = spec }])).ResultInfos.Single().TopicPartitionOffsetError.Offset.Value;

        Assert.Equal(0, await OffsetAsync(OffsetSpec.Earliest()));
        Assert.Equal(10, await OffsetAsync(OffsetSpec.Latest()));
        Assert.Equal(5, await OffsetAsync(OffsetSpec.ForTimestamp(baseTime + 5000)));
        Assert.Equal(6, await OffsetAsync(OffsetSpec.ForTimestamp(baseTime + 5001)));

        // The offset of the record with the largest timestamp (ListOffsets v7, KIP-734): the last one here.
        Assert.Equal(9, await OffsetAsync(OffsetSpec.MaxTimestamp()));
    }

    [Fact]
    public async Task Admin_calls_for_what_a_single_plaintext_broker_does_not_have_fail_as_unsupported_features()
    {
        const string topic = "cf-unanswered", group = "cf-unanswered-group";
        await CreateTopicAsync(topic, 1);
        await ProduceAsync(topic, 3);
        using var admin = Admin();
        await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(group, [new TopicPartitionOffset(topic, 0, 1)])]);

        static void Unsupported(KafkaException ex) => Assert.Equal(ErrorCode.Local_UnsupportedFeature, ex.Error.Code);

        Unsupported(await Assert.ThrowsAsync<KafkaException>(() => admin.ElectLeadersAsync(ElectionType.Preferred, [new TopicPartition(topic, 0)])));
        // ACLs need the authorizer (off by default): the broker answers SECURITY_DISABLED, as Kafka does without
        // authorizer.class.name, which librdkafka hands back as an empty listing.
        var acls = await admin.DescribeAclsAsync(new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Any, ResourcePatternType = ResourcePatternType.Any },
            EntryFilter = new AccessControlEntryFilter { Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
        });
        Assert.Empty(acls.AclBindings);
        // DescribeUserScramCredentials is served now (KIP-554); see ScramAdminTests.

        // Nothing was changed by the refused calls.
        Assert.Equal(0, (await admin.ListOffsetsAsync([new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, 0), OffsetSpec = OffsetSpec.Earliest() }])).ResultInfos.Single().TopicPartitionOffsetError.Offset.Value);
        Assert.Equal(1, (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)])).Single().Partitions.Single().Offset.Value);
    }
}
