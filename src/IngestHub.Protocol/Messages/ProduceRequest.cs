using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>Produce request v3–v8. Records are slices of the received frame, never copied.</summary>
public sealed class ProduceRequest : IKafkaMessage<ProduceRequest>
{
    public static ApiKey ApiKey => ApiKey.Produce;
    public static short MinVersion => 3;
    public static short MaxVersion => 8;

    public string? TransactionalId { get; set; }
    public short Acks { get; set; }
    public int TimeoutMs { get; set; }
    public List<Topic> Topics { get; set; } = [];

    public static ProduceRequest Read(ref KafkaReader reader, short version) => new()
    {
        TransactionalId = reader.ReadNullableString(),
        Acks = reader.ReadInt16(),
        TimeoutMs = reader.ReadInt32(),
        Topics = WireArrays.Read<Topic>(ref reader, version, 6),
    };

    public void Write(KafkaWriter writer, short version)
    {
        writer.WriteNullableString(TransactionalId);
        writer.WriteInt16(Acks);
        writer.WriteInt32(TimeoutMs);
        WireArrays.Write(writer, Topics, version);
    }

    public sealed class Topic : IWireElement<Topic>
    {
        public string Name { get; set; } = "";
        public List<Partition> Partitions { get; set; } = [];

        static Topic IWireElement<Topic>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = WireArrays.Read<Partition>(ref reader, version, 8),
        };

        void IWireElement<Topic>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            WireArrays.Write(writer, Partitions, version);
        }
    }

    public sealed class Partition : IWireElement<Partition>
    {
        public int PartitionIndex { get; set; }
        /// <summary>One or more record batches, or null.</summary>
        public ReadOnlyMemory<byte>? Records { get; set; }

        static Partition IWireElement<Partition>.Read(ref KafkaReader reader, short version) => new()
        {
            PartitionIndex = reader.ReadInt32(),
            Records = reader.ReadNullableBytes(),
        };

        void IWireElement<Partition>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt32(PartitionIndex);
            writer.WriteNullableBytes(Records);
        }
    }
}
