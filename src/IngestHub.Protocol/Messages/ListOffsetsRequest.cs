using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>ListOffsets request v0–v5. Timestamp -1 asks for the latest offset, -2 for the earliest.</summary>
public sealed class ListOffsetsRequest : IKafkaMessage<ListOffsetsRequest>
{
    public static ApiKey ApiKey => ApiKey.ListOffsets;
    public static short MinVersion => 0;
    public static short MaxVersion => 5;

    public const long LatestTimestamp = -1;
    public const long EarliestTimestamp = -2;

    public int ReplicaId { get; set; } = -1;
    public sbyte IsolationLevel { get; set; }
    public List<Topic> Topics { get; set; } = [];

    public static ListOffsetsRequest Read(ref KafkaReader reader, short version)
    {
        var request = new ListOffsetsRequest { ReplicaId = reader.ReadInt32() };
        if (version >= 2)
            request.IsolationLevel = reader.ReadInt8();
        request.Topics = WireArrays.Read<Topic>(ref reader, version, 6);
        return request;
    }

    public void Write(KafkaWriter writer, short version)
    {
        writer.WriteInt32(ReplicaId);
        if (version >= 2)
            writer.WriteInt8(IsolationLevel);
        WireArrays.Write(writer, Topics, version);
    }

    public sealed class Topic : IWireElement<Topic>
    {
        public string Name { get; set; } = "";
        public List<Partition> Partitions { get; set; } = [];

        static Topic IWireElement<Topic>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = WireArrays.Read<Partition>(ref reader, version, 12),
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
        public int CurrentLeaderEpoch { get; set; } = -1;
        public long Timestamp { get; set; }
        /// <summary>v0 only.</summary>
        public int MaxNumOffsets { get; set; } = 1;

        static Partition IWireElement<Partition>.Read(ref KafkaReader reader, short version)
        {
            var partition = new Partition { PartitionIndex = reader.ReadInt32() };
            if (version >= 4)
                partition.CurrentLeaderEpoch = reader.ReadInt32();
            partition.Timestamp = reader.ReadInt64();
            if (version == 0)
                partition.MaxNumOffsets = reader.ReadInt32();
            return partition;
        }

        void IWireElement<Partition>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt32(PartitionIndex);
            if (version >= 4)
                writer.WriteInt32(CurrentLeaderEpoch);
            writer.WriteInt64(Timestamp);
            if (version == 0)
                writer.WriteInt32(MaxNumOffsets);
        }
    }
}
