using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>CreateTopics request v0–v4.</summary>
public sealed class CreateTopicsRequest : IKafkaMessage<CreateTopicsRequest>
{
    public static ApiKey ApiKey => ApiKey.CreateTopics;
    public static short MinVersion => 0;
    public static short MaxVersion => 4;

    public List<Topic> Topics { get; set; } = [];
    public int TimeoutMs { get; set; } = 60000;
    public bool ValidateOnly { get; set; }

    public static CreateTopicsRequest Read(ref KafkaReader reader, short version)
    {
        var request = new CreateTopicsRequest
        {
            Topics = WireArrays.Read<Topic>(ref reader, version, 16),
            TimeoutMs = reader.ReadInt32(),
        };
        if (version >= 1)
            request.ValidateOnly = reader.ReadBoolean();
        return request;
    }

    public void Write(KafkaWriter writer, short version)
    {
        WireArrays.Write(writer, Topics, version);
        writer.WriteInt32(TimeoutMs);
        if (version >= 1)
            writer.WriteBoolean(ValidateOnly);
    }

    public sealed class Topic : IWireElement<Topic>
    {
        public string Name { get; set; } = "";
        /// <summary>-1 with manual assignments or the broker default.</summary>
        public int NumPartitions { get; set; } = -1;
        public short ReplicationFactor { get; set; } = -1;
        public List<Assignment> Assignments { get; set; } = [];
        public List<Config> Configs { get; set; } = [];

        static Topic IWireElement<Topic>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            NumPartitions = reader.ReadInt32(),
            ReplicationFactor = reader.ReadInt16(),
            Assignments = WireArrays.Read<Assignment>(ref reader, version, 8),
            Configs = WireArrays.Read<Config>(ref reader, version, 4),
        };

        void IWireElement<Topic>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            writer.WriteInt32(NumPartitions);
            writer.WriteInt16(ReplicationFactor);
            WireArrays.Write(writer, Assignments, version);
            WireArrays.Write(writer, Configs, version);
        }
    }

    /// <summary>Manual placement of one partition.</summary>
    public sealed class Assignment : IWireElement<Assignment>
    {
        public int PartitionIndex { get; set; }
        public List<int> BrokerIds { get; set; } = [];

        static Assignment IWireElement<Assignment>.Read(ref KafkaReader reader, short version) => new()
        {
            PartitionIndex = reader.ReadInt32(),
            BrokerIds = WireArrays.ReadInt32s(ref reader),
        };

        void IWireElement<Assignment>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt32(PartitionIndex);
            WireArrays.WriteInt32s(writer, BrokerIds);
        }
    }

    public sealed class Config : IWireElement<Config>
    {
        public string Name { get; set; } = "";
        public string? Value { get; set; }

        static Config IWireElement<Config>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Value = reader.ReadNullableString(),
        };

        void IWireElement<Config>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            writer.WriteNullableString(Value);
        }
    }
}
