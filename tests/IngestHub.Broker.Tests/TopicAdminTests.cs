using IngestHub.Broker.Tests.Support;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Broker.Tests;

public sealed class TopicAdminTests
{
    private static CreateTopicsRequest Create(string name, int partitions, params (string, string)[] configs) => new()
    {
        TimeoutMs = 5000,
        Topics = [new CreateTopicsRequest.Topic
        {
            Name = name,
            NumPartitions = partitions,
            ReplicationFactor = 1,
            Configs = configs.Select(c => new CreateTopicsRequest.Config { Name = c.Item1, Value = c.Item2 }).ToList(),
        }],
    };

    [Theory]
    [InlineData("bad name", 3, ErrorCode.InvalidTopicException)]
    [InlineData("..", 3, ErrorCode.InvalidTopicException)]
    [InlineData("zero", 0, ErrorCode.InvalidPartitions)]
    [InlineData("negative", -5, ErrorCode.InvalidPartitions)]
    public async Task Invalid_topics_get_kafka_error_codes(string name, int partitions, ErrorCode expected)
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        var response = await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create(name, partitions), 4);
        Assert.Equal(expected, response.Topics[0].ErrorCode);
        Assert.False(string.IsNullOrEmpty(response.Topics[0].ErrorMessage));
    }

    [Fact]
    public async Task Every_Kafka_topic_config_is_accepted_and_reported_and_unknown_names_are_refused()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        var created = await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("standard", 1,
            ("compression.type", "zstd"), ("cleanup.policy", "compact,delete"), ("min.insync.replicas", "1"),
            ("max.message.bytes", "2000000"), ("message.timestamp.type", "LogAppendTime"), ("segment.index.bytes", "1048576"),
            ("delete.retention.ms", "1000"), ("min.cleanable.dirty.ratio", "0.3"), ("unclean.leader.election.enable", "false")), 4);
        Assert.Equal(ErrorCode.None, created.Topics[0].ErrorCode);

        var described = await client.SendAsync<DescribeConfigsRequest, DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = "standard" }],
        }, 3);
        var configs = described.Results[0].Configs.ToDictionary(c => c.Name, c => c.Value);
        Assert.Equal("zstd", configs["compression.type"]);
        Assert.Equal("compact,delete", configs["cleanup.policy"]);
        Assert.Equal("2000000", configs["max.message.bytes"]);
        Assert.Equal("LogAppendTime", configs["message.timestamp.type"]);
        var retention = await client.SendAsync<DescribeConfigsRequest, DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = "standard", ConfigurationKeys = ["retention.ms"] }],
        }, 3);
        Assert.Equal("604800000", Assert.Single(retention.Results[0].Configs).Value);

        var unknown = await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("odd", 1, ("compression.typo", "zstd")), 4);
        Assert.Equal(ErrorCode.InvalidConfig, unknown.Topics[0].ErrorCode);
        var badValue = await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("odd", 1, ("compression.type", "brotli")), 4);
        Assert.Equal(ErrorCode.InvalidConfig, badValue.Topics[0].ErrorCode);
        Assert.Contains("compression.type", badValue.Topics[0].ErrorMessage);
    }

    [Fact]
    public async Task Duplicate_topic_unknown_config_and_replication_factor_are_rejected()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        Assert.Equal(ErrorCode.None, (await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("dup", 2), 4)).Topics[0].ErrorCode);
        Assert.Equal(ErrorCode.TopicAlreadyExists, (await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("dup", 2), 4)).Topics[0].ErrorCode);
        Assert.Equal(ErrorCode.InvalidConfig, (await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("cfg", 2, ("retention.ms", "soon")), 4)).Topics[0].ErrorCode);
        Assert.Equal(ErrorCode.InvalidConfig, (await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("cfg", 2, ("no.such.config", "1")), 4)).Topics[0].ErrorCode);
        var rf = Create("rf", 2);
        rf.Topics[0].ReplicationFactor = 3;
        Assert.Equal(ErrorCode.InvalidReplicationFactor, (await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(rf, 4)).Topics[0].ErrorCode);
    }

    [Fact]
    public async Task Topics_configs_and_partition_counts_persist_across_restart()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using (var client = await fixture.ConnectAsync())
        {
            await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("kept", 2, ("retention.ms", "3600000")), 4);
            var grow = await client.SendAsync<CreatePartitionsRequest, CreatePartitionsResponse>(new CreatePartitionsRequest
            {
                TimeoutMs = 5000,
                Topics = [new CreatePartitionsRequest.Topic { Name = "kept", Count = 5 }],
            }, 1);
            Assert.Equal(ErrorCode.None, grow.Results[0].ErrorCode);
            var shrink = await client.SendAsync<CreatePartitionsRequest, CreatePartitionsResponse>(new CreatePartitionsRequest
            {
                TimeoutMs = 5000,
                Topics = [new CreatePartitionsRequest.Topic { Name = "kept", Count = 3 }],
            }, 1);
            Assert.Equal(ErrorCode.InvalidPartitions, shrink.Results[0].ErrorCode);
        }
        string clusterId = fixture.Broker.Identity.ClusterId;
        await fixture.RestartAsync();
        using (var client = await fixture.ConnectAsync())
        {
            var metadata = await client.SendAsync<MetadataRequest, MetadataResponse>(new MetadataRequest { Topics = null }, 8);
            Assert.Equal(clusterId, metadata.ClusterId);
            var topic = Assert.Single(metadata.Topics, t => t.Name == "kept");
            Assert.Equal(5, topic.Partitions.Count);
            var configs = await client.SendAsync<DescribeConfigsRequest, DescribeConfigsResponse>(new DescribeConfigsRequest
            {
                Resources = [new DescribeConfigsRequest.Resource { ResourceType = 2, ResourceName = "kept" }],
            }, 1);
            var retention = Assert.Single(configs.Results[0].Configs, c => c.Name == "retention.ms");
            Assert.Equal("3600000", retention.Value);
            Assert.Equal(1, retention.ConfigSource); // DYNAMIC_TOPIC_CONFIG
        }
    }

    [Fact]
    public async Task Deleted_topic_loses_its_files_and_metadata()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        await client.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(Create("gone", 2), 4);
        Assert.True(Directory.Exists(Path.Combine(fixture.DataDir, "gone-0")));
        var deleted = await client.SendAsync<DeleteTopicsRequest, DeleteTopicsResponse>(new DeleteTopicsRequest { TopicNames = ["gone", "never"], TimeoutMs = 5000 }, 3);
        Assert.Equal(ErrorCode.None, deleted.Topics[0].ErrorCode);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, deleted.Topics[1].ErrorCode);
        Assert.False(Directory.Exists(Path.Combine(fixture.DataDir, "gone-0")));
        var metadata = await client.SendAsync<MetadataRequest, MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "gone" }], AllowAutoTopicCreation = false }, 8);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, metadata.Topics[0].ErrorCode);
    }
}
