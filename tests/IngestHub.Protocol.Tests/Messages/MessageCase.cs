using IngestHub.Protocol.Messages;

namespace IngestHub.Protocol.Tests.Messages;

/// <summary>One message type seen through object-typed delegates, so one theory can cover every message.</summary>
internal sealed class MessageCase
{
    public required string Name { get; init; }
    public required short MinVersion { get; init; }
    public required short MaxVersion { get; init; }
    /// <summary>(version, allFields) → message with non-default values in the fields of that version, or in
    /// every field of every version when allFields.</summary>
    public required Func<short, bool, object> Sample { get; init; }
    public required Func<object> Create { get; init; }
    public required Func<object, short, byte[]> Encode { get; init; }
    public required Func<ReadOnlyMemory<byte>, short, (object Message, int Consumed)> Decode { get; init; }

    /// <summary>The samples were written for the versions before the first flexible one (ApiVersions: up to v3);
    /// the flexible versions are covered by the declaration-driven round trips and the flexible golden bytes.</summary>
    public static short SampledUpTo<T>() where T : IKafkaMessage<T> =>
        T.ApiKey == ApiKey.ApiVersions ? (short)3 : (short)Math.Min(T.MaxVersion, T.FirstFlexibleVersion - 1);

    public static MessageCase Of<T>(Func<short, bool, T> sample) where T : class, IKafkaMessage<T>, new() => new()
    {
        Name = typeof(T).Name,
        MinVersion = T.MinVersion,
        MaxVersion = SampledUpTo<T>(),
        Sample = (v, all) => sample(v, all),
        Create = () => new T(),
        Encode = (m, v) => MessageCodec.Encode((T)m, v),
        Decode = (bytes, v) =>
        {
            var message = MessageCodec.Decode<T>(bytes, v, out int consumed);
            return (message, consumed);
        },
    };
}
