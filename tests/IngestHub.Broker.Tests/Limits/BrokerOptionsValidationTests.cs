using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace IngestHub.Broker.Tests.Limits;

public sealed class BrokerOptionsValidationTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(BrokerOptionsValidation.Problems(new BrokerOptions()));
        new BrokerOptions().Validate();
    }

    public static TheoryData<string, Action<BrokerOptions>> BadValues => new()
    {
        { "RequestReceiveTimeoutMs", o => o.RequestReceiveTimeoutMs = 0 },
        { "RequestReceiveTimeoutMs", o => o.RequestReceiveTimeoutMs = -5 },
        { "SocketRequestMaxBytes", o => o.SocketRequestMaxBytes = 0 },
        { "ConnectionsMaxIdleMs", o => o.ConnectionsMaxIdleMs = 0 },
        { "MaxConnections", o => o.MaxConnections = 0 },
        { "MaxConnectionsPerIp", o => o.MaxConnectionsPerIp = -1 },
        { "ConnectionFailedAuthenticationDelayMs", o => o.ConnectionFailedAuthenticationDelayMs = -1 },
        { "MaxBrokerPartitions", o => o.MaxBrokerPartitions = 0 },
        { "NumPartitions", o => o.NumPartitions = 0 },
        { "LogRetentionMs", o => o.LogRetentionMs = -2 },
        { "LogRetentionBytes", o => o.LogRetentionBytes = -2 },
        { "LogSegmentBytes", o => o.LogSegmentBytes = 10 },
        { "LogRollMs", o => o.LogRollMs = 0 },
        { "MessageMaxBytes", o => o.MessageMaxBytes = -1 },
        { "LogRetentionCheckIntervalMs", o => o.LogRetentionCheckIntervalMs = 0 },
        { "LogFlushIntervalMessages", o => o.LogFlushIntervalMessages = 0 },
        { "LogFlushIntervalMs", o => o.LogFlushIntervalMs = -1 },
        { "GroupInitialRebalanceDelayMs", o => o.GroupInitialRebalanceDelayMs = -1 },
        { "GroupMinSessionTimeoutMs", o => o.GroupMinSessionTimeoutMs = 0 },
        { "GroupMaxSessionTimeoutMs", o => o.GroupMaxSessionTimeoutMs = 1000 },
        { "GroupConsumerHeartbeatIntervalMs", o => o.GroupConsumerHeartbeatIntervalMs = 0 },
        { "GroupConsumerSessionTimeoutMs", o => o.GroupConsumerSessionTimeoutMs = 0 },
        { "OffsetsRetentionMinutes", o => o.OffsetsRetentionMinutes = 0 },
        { "OffsetsTopicNumPartitions", o => o.OffsetsTopicNumPartitions = 0 },
        { "OffsetsTopicSegmentBytes", o => o.OffsetsTopicSegmentBytes = 0 },
        { "LogCleanerBackoffMs", o => o.LogCleanerBackoffMs = -1 },
        { "LogCleanerDedupeBufferSize", o => o.LogCleanerDedupeBufferSize = 0 },
        { "LogCleanerIoMaxBytesPerSecond", o => o.LogCleanerIoMaxBytesPerSecond = 0 },
        { "Port", o => o.Port = 70_000 },
        { "AdvertisedPort", o => o.AdvertisedPort = 0 },
        { "NodeId", o => o.NodeId = -1 },
        { "ListenerOverrides:SSL:MaxConnections", o => o.ListenerOverrides["SSL"] = new ListenerOverrideOptions { MaxConnections = -1 } },
        { "ListenerOverrides:SSL:SocketRequestMaxBytes", o => o.ListenerOverrides["SSL"] = new ListenerOverrideOptions { SocketRequestMaxBytes = 0 } },
        { "Quotas:0:ProducerByteRate", o => o.Quotas.Add(new Quotas.QuotaEntry { User = "alice", ProducerByteRate = 0 }) },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_value_out_of_range_is_refused_naming_the_setting(string setting, Action<BrokerOptions> spoil)
    {
        var options = new BrokerOptions();
        spoil(options);
        var problem = Assert.Single(BrokerOptionsValidation.Problems(options));
        Assert.StartsWith("broker:" + setting + " ", problem, StringComparison.Ordinal);
        var ex = Assert.Throws<BrokerOptionsException>(options.Validate);
        Assert.Contains("broker:" + setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_broker_refuses_to_be_created_with_a_bad_limit_and_every_problem_is_named()
    {
        var options = new BrokerOptions { RequestReceiveTimeoutMs = 0, MaxConnections = -3, DataDir = Path.Combine(Path.GetTempPath(), "never-created-" + Guid.NewGuid().ToString("N")) };
        var ex = Assert.Throws<BrokerOptionsException>(() => new KafkaBroker(options, NullLoggerFactory.Instance));
        Assert.Contains("2 invalid broker settings", ex.Message, StringComparison.Ordinal);
        Assert.Contains("broker:RequestReceiveTimeoutMs", ex.Message, StringComparison.Ordinal);
        Assert.Contains("must be positive, not 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("broker:MaxConnections (max.connections) must be positive, not -3", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(options.DataDir));
    }

    [Fact]
    public void Off_and_unlimited_values_Kafka_allows_are_accepted()
    {
        var options = new BrokerOptions
        {
            LogRetentionMs = -1,
            LogRetentionBytes = -1,
            MaxConnectionsPerIp = 0,
            GroupInitialRebalanceDelayMs = 0,
            ConnectionFailedAuthenticationDelayMs = 0,
            LogCleanerBackoffMs = 0,
            Port = 0,
        };
        options.ListenerOverrides["PLAINTEXT"] = new ListenerOverrideOptions { MaxConnections = 0 };
        Assert.Empty(BrokerOptionsValidation.Problems(options));
    }

    [Fact]
    public void The_appliance_stops_at_startup_on_a_bad_limit_from_the_command_line()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ingesthub-bad-limit-" + Guid.NewGuid().ToString("N"));
        try
        {
            var ex = Assert.Throws<BrokerOptionsException>(() => IngestHub.Server.IngestHubApp.Build(
                ["--data-dir", dir, "--kafka-port", "0", "--http-port", "0", "--broker:RequestReceiveTimeoutMs=0"]));
            Assert.Equal("invalid broker setting: broker:RequestReceiveTimeoutMs (the time a started request has to arrive) must be positive, not 0", ex.Message);
            // RunAsync reports FormatException/ArgumentException on stderr and exits 2.
            Assert.IsAssignableFrom<ArgumentException>(ex);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }
}
