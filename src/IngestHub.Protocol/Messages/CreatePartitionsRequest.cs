using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>CreatePartitions request v0–v1.</summary>
public sealed class CreatePartitionsRequest : IKafkaMessage<CreatePartitionsRequest>
{
    public static ApiKey ApiKey => ApiKey.CreatePartitions;
    public static short MinVersion => 0;
    public static short MaxVersion => 1;

    public List<Topic> Topics { get; set; } = [];
    public int TimeoutMs { get; set; }
    public bool ValidateOnly { get; set; }

    public static CreatePartitionsRequest Read(ref KafkaReader reader, short version) => new()
    {
        Topics = WireArrays.Read<Topic>(ref reader, version, 10),
        TimeoutMs = reader.ReadInt32(),
        ValidateOnly = reader.ReadBoolean(),
    };

    public void Write(KafkaWriter writer, short version)
    {
        WireArrays.Write(writer, Topics, version);
        writer.WriteInt32(TimeoutMs);
        writer.WriteBoolean(ValidateOnly);
    }

    public sealed class Topic : IWireElement<Topic>
    {
        public string Name { get; set; } = "";
        /// <summary>The new total partition count.</summary>
        public int Count { get; set; }
        /// <summary>Broker ids per new partition, or null for automatic placement.</summary>
        public List<Assignment>? Assignments { get; set; }

        static Topic IWireElement<Topic>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Count = reader.ReadInt32(),
            Assignments = WireArrays.ReadNullable<Assignment>(ref reader, version, 4),
        };

        void IWireElement<Topic>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            writer.WriteInt32(Count);
            WireArrays.Write(writer, Assignments, version);
        }
    }

    public sealed class Assignment : IWireElement<Assignment>
    {
        public List<int> BrokerIds { get; set; } = [];

        static Assignment IWireElement<Assignment>.Read(ref KafkaReader reader, short version) =>
            new() { BrokerIds = WireArrays.ReadInt32s(ref reader) };

        void IWireElement<Assignment>.Write(KafkaWriter writer, short version) => WireArrays.WriteInt32s(writer, BrokerIds);
    }
}
