using IngestHub.Protocol.Messages;

namespace IngestHub.Protocol.Tests.Messages;

/// <summary>
/// A sample of every message: at version v each field the version has carries a non-default value and every
/// other field keeps its default; with all = true every field is set, whatever the version.
/// </summary>
internal static class MessageSamples
{
    public static readonly MessageCase[] All =
    [
        MessageCase.Of(ApiVersionsRequest),
        MessageCase.Of(ApiVersionsResponse),
        MessageCase.Of(MetadataRequest),
        MessageCase.Of(MetadataResponse),
        MessageCase.Of(ProduceRequest),
        MessageCase.Of(ProduceResponse),
        MessageCase.Of(FetchRequest),
        MessageCase.Of(FetchResponse),
        MessageCase.Of(ListOffsetsRequest),
        MessageCase.Of(ListOffsetsResponse),
        MessageCase.Of(CreateTopicsRequest),
        MessageCase.Of(CreateTopicsResponse),
        MessageCase.Of(DeleteTopicsRequest),
        MessageCase.Of(DeleteTopicsResponse),
        MessageCase.Of(CreatePartitionsRequest),
        MessageCase.Of(CreatePartitionsResponse),
        MessageCase.Of(DescribeConfigsRequest),
        MessageCase.Of(DescribeConfigsResponse),
        MessageCase.Of(InitProducerIdRequest),
        MessageCase.Of(InitProducerIdResponse),
        MessageCase.Of(SaslHandshakeRequest),
        MessageCase.Of(SaslHandshakeResponse),
    ];

    public static MessageCase Find(string name) => Array.Find(All, c => c.Name == name)
        ?? throw new ArgumentException($"no sample for {name}", nameof(name));

    public static IEnumerable<(string Name, short Version)> EveryVersion()
    {
        foreach (var c in All)
            for (short v = c.MinVersion; v <= c.MaxVersion; v++)
                yield return (c.Name, v);
    }

    private const int UnknownOperations = Protocol.Messages.MetadataResponse.AuthorizedOperationsUnknown;

    private static readonly byte[] RecordBytes = [0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 3, 0xAB, 0xCD, 0xEF];

    public static ApiVersionsRequest ApiVersionsRequest(short v, bool all) => new()
    {
        ClientSoftwareName = all || v >= 3 ? "librdkafka" : "",
        ClientSoftwareVersion = all || v >= 3 ? "2.0.2" : "",
    };

    public static ApiVersionsResponse ApiVersionsResponse(short v, bool all) => new()
    {
        ErrorCode = ErrorCode.UnsupportedVersion,
        ApiKeys =
        [
            new() { ApiKey = ApiKey.Produce, MinVersion = 3, MaxVersion = 8 },
            new() { ApiKey = ApiKey.ApiVersions, MinVersion = 0, MaxVersion = 3 },
        ],
        ThrottleTimeMs = all || v >= 1 ? 250 : 0,
    };

    public static MetadataRequest MetadataRequest(short v, bool all) => new()
    {
        Topics = [new() { Name = "logs" }, new() { Name = "metrics" }],
        AllowAutoTopicCreation = !(all || v >= 4),
        IncludeClusterAuthorizedOperations = all || v >= 8,
        IncludeTopicAuthorizedOperations = all || v >= 8,
    };

    public static MetadataResponse MetadataResponse(short v, bool all) => new()
    {
        ThrottleTimeMs = all || v >= 3 ? 17 : 0,
        Brokers =
        [
            new() { NodeId = 1, Host = "hub-1.local", Port = 9092, Rack = all || v >= 1 ? "rack-a" : null },
            new() { NodeId = 2, Host = "hub-2.local", Port = 9093 },
        ],
        ClusterId = all || v >= 2 ? "ih-cluster-0001" : null,
        ControllerId = all || v >= 1 ? 1 : -1,
        Topics =
        [
            new()
            {
                ErrorCode = ErrorCode.LeaderNotAvailable,
                Name = "logs",
                IsInternal = all || v >= 1,
                TopicAuthorizedOperations = all || v >= 8 ? 0x0F8 : UnknownOperations,
                Partitions =
                [
                    new()
                    {
                        ErrorCode = ErrorCode.ReplicaNotAvailable,
                        PartitionIndex = 3,
                        LeaderId = 2,
                        LeaderEpoch = all || v >= 7 ? 11 : -1,
                        ReplicaNodes = [2, 1],
                        IsrNodes = [2],
                        OfflineReplicas = all || v >= 5 ? [1] : [],
                    },
                ],
            },
        ],
        ClusterAuthorizedOperations = all || v >= 8 ? 0x2A : UnknownOperations,
    };

    public static ProduceRequest ProduceRequest(short v, bool all) => new()
    {
        TransactionalId = all || v >= 3 ? "txn-1" : null,
        Acks = -1,
        TimeoutMs = 30000,
        Topics =
        [
            new()
            {
                Name = "logs",
                Partitions =
                [
                    new() { PartitionIndex = 0, Records = new MemoryRecordsPayload(RecordBytes) },
                    new() { PartitionIndex = 5, Records = null },
                ],
            },
        ],
    };

    public static ProduceResponse ProduceResponse(short v, bool all) => new()
    {
        ThrottleTimeMs = all || v >= 1 ? 40 : 0,
        Topics =
        [
            new()
            {
                Name = "logs",
                Partitions =
                [
                    new()
                    {
                        PartitionIndex = 2,
                        ErrorCode = ErrorCode.InvalidRecord,
                        BaseOffset = 123456789012,
                        LogAppendTimeMs = all || v >= 2 ? 1_700_000_000_000 : -1,
                        LogStartOffset = all || v >= 5 ? 1000 : -1,
                        RecordErrors = all || v >= 8 ? [new() { BatchIndex = 4, Message = "bad key" }, new() { BatchIndex = 9 }] : [],
                        ErrorMessage = all || v >= 8 ? "batch dropped" : null,
                    },
                ],
            },
        ],
    };

    public static FetchRequest FetchRequest(short v, bool all) => new()
    {
        ReplicaId = -1,
        MaxWaitMs = 500,
        MinBytes = 1,
        MaxBytes = 52428800,
        IsolationLevel = 1,
        SessionId = all || v >= 7 ? 77 : 0,
        SessionEpoch = all || v >= 7 ? 3 : -1,
        Topics =
        [
            new()
            {
                Name = "logs",
                Partitions =
                [
                    new()
                    {
                        PartitionIndex = 1,
                        CurrentLeaderEpoch = all || v >= 9 ? 6 : -1,
                        FetchOffset = 4242,
                        LogStartOffset = all || v >= 5 ? 12 : -1,
                        PartitionMaxBytes = 1048576,
                    },
                ],
            },
        ],
        ForgottenTopics = all || v >= 7 ? [new() { Name = "old", Partitions = [0, 2] }] : [],
        RackId = all || v >= 11 ? "rack-b" : "",
    };

    public static FetchResponse FetchResponse(short v, bool all) => new()
    {
        ThrottleTimeMs = 5,
        ErrorCode = all || v >= 7 ? ErrorCode.FetchSessionIdNotFound : ErrorCode.None,
        SessionId = all || v >= 7 ? 99 : 0,
        Topics =
        [
            new()
            {
                Name = "logs",
                Partitions =
                [
                    new()
                    {
                        PartitionIndex = 1,
                        ErrorCode = ErrorCode.OffsetOutOfRange,
                        HighWatermark = 5000,
                        LastStableOffset = 4990,
                        LogStartOffset = all || v >= 5 ? 100 : -1,
                        AbortedTransactions = [new() { ProducerId = 8, FirstOffset = 4000 }],
                        PreferredReadReplica = all || v >= 11 ? 2 : -1,
                        Records = new MemoryRecordsPayload(RecordBytes),
                    },
                    new() { PartitionIndex = 2, HighWatermark = 1, LastStableOffset = 1, Records = null },
                ],
            },
        ],
    };

    public static ListOffsetsRequest ListOffsetsRequest(short v, bool all) => new()
    {
        ReplicaId = 4,
        IsolationLevel = (sbyte)(all || v >= 2 ? 1 : 0),
        Topics =
        [
            new()
            {
                Name = "logs",
                Partitions =
                [
                    new()
                    {
                        PartitionIndex = 7,
                        CurrentLeaderEpoch = all || v >= 4 ? 2 : -1,
                        Timestamp = Protocol.Messages.ListOffsetsRequest.EarliestTimestamp,
                        MaxNumOffsets = all || v == 0 ? 10 : 1,
                    },
                ],
            },
        ],
    };

    public static ListOffsetsResponse ListOffsetsResponse(short v, bool all) => new()
    {
        ThrottleTimeMs = all || v >= 2 ? 9 : 0,
        Topics =
        [
            new()
            {
                Name = "logs",
                Partitions =
                [
                    new()
                    {
                        PartitionIndex = 7,
                        ErrorCode = ErrorCode.OffsetNotAvailable,
                        OldStyleOffsets = all || v == 0 ? [500, 0] : [],
                        Timestamp = all || v >= 1 ? 1_700_000_000_123 : -1,
                        Offset = all || v >= 1 ? 500 : -1,
                        LeaderEpoch = all || v >= 4 ? 3 : -1,
                    },
                ],
            },
        ],
    };

    public static CreateTopicsRequest CreateTopicsRequest(short v, bool all) => new()
    {
        Topics =
        [
            new()
            {
                Name = "logs",
                NumPartitions = 6,
                ReplicationFactor = 1,
                Assignments = [new() { PartitionIndex = 0, BrokerIds = [1, 2] }],
                Configs = [new() { Name = "retention.ms", Value = "86400000" }, new() { Name = "cleanup.policy", Value = null }],
            },
        ],
        TimeoutMs = 15000,
        ValidateOnly = all || v >= 1,
    };

    public static CreateTopicsResponse CreateTopicsResponse(short v, bool all) => new()
    {
        ThrottleTimeMs = all || v >= 2 ? 3 : 0,
        Topics =
        [
            new() { Name = "logs", ErrorCode = ErrorCode.TopicAlreadyExists, ErrorMessage = all || v >= 1 ? "exists" : null },
        ],
    };

    public static DeleteTopicsRequest DeleteTopicsRequest(short v, bool all) => new() { TopicNames = ["a", "b"], TimeoutMs = 7000 };

    public static DeleteTopicsResponse DeleteTopicsResponse(short v, bool all) => new()
    {
        ThrottleTimeMs = all || v >= 1 ? 12 : 0,
        Topics = [new() { Name = "a", ErrorCode = ErrorCode.UnknownTopicOrPartition }, new() { Name = "b" }],
    };

    public static CreatePartitionsRequest CreatePartitionsRequest(short v, bool all) => new()
    {
        Topics =
        [
            new() { Name = "logs", Count = 8, Assignments = [new() { BrokerIds = [1] }, new() { BrokerIds = [2, 1] }] },
            new() { Name = "metrics", Count = 4, Assignments = null },
        ],
        TimeoutMs = 9000,
        ValidateOnly = true,
    };

    public static CreatePartitionsResponse CreatePartitionsResponse(short v, bool all) => new()
    {
        ThrottleTimeMs = 8,
        Results = [new() { Name = "logs", ErrorCode = ErrorCode.InvalidPartitions, ErrorMessage = "too few" }, new() { Name = "metrics" }],
    };

    public static DescribeConfigsRequest DescribeConfigsRequest(short v, bool all) => new()
    {
        Resources =
        [
            new() { ResourceType = 2, ResourceName = "logs", ConfigurationKeys = ["retention.ms"] },
            new() { ResourceType = 4, ResourceName = "1", ConfigurationKeys = null },
        ],
        IncludeSynonyms = all || v >= 1,
        IncludeDocumentation = all || v >= 3,
    };

    public static DescribeConfigsResponse DescribeConfigsResponse(short v, bool all) => new()
    {
        ThrottleTimeMs = 2,
        Results =
        [
            new()
            {
                ErrorCode = ErrorCode.InvalidRequest,
                ErrorMessage = "partial",
                ResourceType = 2,
                ResourceName = "logs",
                Configs =
                [
                    new()
                    {
                        Name = "retention.ms",
                        Value = "86400000",
                        ReadOnly = true,
                        IsDefault = all || v == 0,
                        ConfigSource = (sbyte)(all || v >= 1 ? 1 : -1),
                        IsSensitive = true,
                        Synonyms = all || v >= 1 ? [new() { Name = "log.retention.ms", Value = null, Source = 5 }] : [],
                        ConfigType = (sbyte)(all || v >= 3 ? 5 : 0),
                        Documentation = all || v >= 3 ? "How long to keep a segment." : null,
                    },
                ],
            },
        ],
    };

    public static InitProducerIdRequest InitProducerIdRequest(short v, bool all) => new() { TransactionalId = "txn", TransactionTimeoutMs = 60000 };

    public static InitProducerIdResponse InitProducerIdResponse(short v, bool all) => new()
    {
        ThrottleTimeMs = 1,
        ErrorCode = ErrorCode.ConcurrentTransactions,
        ProducerId = 1234567890123,
        ProducerEpoch = 7,
    };

    public static SaslHandshakeRequest SaslHandshakeRequest(short v, bool all) => new() { Mechanism = "SCRAM-SHA-512" };

    public static SaslHandshakeResponse SaslHandshakeResponse(short v, bool all) => new()
    {
        ErrorCode = ErrorCode.UnsupportedSaslMechanism,
        Mechanisms = ["PLAIN", "SCRAM-SHA-256"],
    };
}
