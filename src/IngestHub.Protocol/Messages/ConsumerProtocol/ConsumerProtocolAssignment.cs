using System.Buffers;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages.ConsumerProtocol;

/// <summary>
/// The assignment of the "consumer" protocol type, carried as bytes in SyncGroup: the partitions one
/// member consumes. Every version so far has the same fields; a newer version's trailing fields are ignored.
/// </summary>
public sealed class ConsumerProtocolAssignment
{
    /// <summary>Newest version known (v1–v3 only moved in step with the subscription; the layout is v0's).</summary>
    public const short LatestVersion = 3;

    /// <summary>The version found on the wire (may exceed <see cref="LatestVersion"/>).</summary>
    public short Version { get; set; }
    public List<ConsumerProtocolSubscription.TopicPartitions> AssignedPartitions { get; set; } = [];
    public ReadOnlyMemory<byte>? UserData { get; set; }

    /// <summary>
    /// Decodes an assignment; user data is a slice of <paramref name="bytes"/>. Zero bytes decode as an empty
    /// assignment: a coordinator hands that to members the leader left out.
    /// </summary>
    public static ConsumerProtocolAssignment Read(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
            return new ConsumerProtocolAssignment();
        var reader = new KafkaReader(bytes);
        short version = reader.ReadInt16();
        if (version < 0)
            throw new MalformedMessageException($"consumer assignment version {version} is negative");
        return new ConsumerProtocolAssignment
        {
            Version = version,
            AssignedPartitions = ConsumerProtocolSubscription.ReadTopicPartitions(ref reader),
            UserData = reader.ReadNullableBytes(),
        };
    }

    public void Write(IBufferWriter<byte> output, short version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, LatestVersion);
        var writer = new KafkaWriter(output);
        writer.WriteInt16(version);
        ConsumerProtocolSubscription.WriteTopicPartitions(writer, AssignedPartitions);
        writer.WriteNullableBytes(UserData);
    }
}
