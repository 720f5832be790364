using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages.Groups;

/// <summary>Each consumer-group message type with its sample factory, driven through the shared contract.</summary>
internal sealed record GroupMessageCase(
    string Name,
    ApiKey ApiKey,
    short MinVersion,
    short MaxVersion,
    Type Type,
    Func<short, object> Sample,
    Func<object, short, byte[]> Encode,
    Func<ReadOnlyMemory<byte>, short, (object Message, int Consumed)> Decode)
{
    public static readonly IReadOnlyList<GroupMessageCase> All =
    [
        Of(GroupMessageSamples.FindCoordinatorRequest),
        Of(GroupMessageSamples.FindCoordinatorResponse),
        Of(GroupMessageSamples.JoinGroupRequest),
        Of(GroupMessageSamples.JoinGroupResponse),
        Of(GroupMessageSamples.SyncGroupRequest),
        Of(GroupMessageSamples.SyncGroupResponse),
        Of(GroupMessageSamples.HeartbeatRequest),
        Of(GroupMessageSamples.HeartbeatResponse),
        Of(GroupMessageSamples.LeaveGroupRequest),
        Of(GroupMessageSamples.LeaveGroupResponse),
        Of(GroupMessageSamples.OffsetCommitRequest),
        Of(GroupMessageSamples.OffsetCommitResponse),
        Of(GroupMessageSamples.OffsetFetchRequest),
        Of(GroupMessageSamples.OffsetFetchResponse),
        Of(GroupMessageSamples.ListGroupsRequest),
        Of(GroupMessageSamples.ListGroupsResponse),
        Of(GroupMessageSamples.DescribeGroupsRequest),
        Of(GroupMessageSamples.DescribeGroupsResponse),
    ];

    public static GroupMessageCase Find(string name) => All.Single(c => c.Name == name);

    public static TheoryData<string, short> EveryVersion()
    {
        var data = new TheoryData<string, short>();
        foreach (var c in All)
        {
            for (short v = c.MinVersion; v <= c.MaxVersion; v++)
                data.Add(c.Name, v);
        }
        return data;
    }

    public static byte[] EncodeMessage<T>(T message, short version) where T : IKafkaMessage<T>
    {
        using var buffer = new PooledBufferWriter();
        message.Write(new KafkaWriter(buffer), version);
        return buffer.WrittenSpan.ToArray();
    }

    public static (T Message, int Consumed) DecodeMessage<T>(ReadOnlyMemory<byte> bytes, short version) where T : IKafkaMessage<T>
    {
        var reader = new KafkaReader(bytes);
        var message = T.Read(ref reader, version);
        return (message, reader.Position);
    }

    private static GroupMessageCase Of<T>(Func<short, T> sample) where T : class, IKafkaMessage<T> => new(
        typeof(T).Name,
        T.ApiKey,
        T.MinVersion,
        MessageCase.SampledUpTo<T>(),
        typeof(T),
        v => sample(v),
        (m, v) => EncodeMessage((T)m, v),
        (b, v) => DecodeMessage<T>(b, v));
}
