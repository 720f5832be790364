using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>ListOffsets response v0–v5: v0 returns an offsets array, v1+ one timestamp and offset.</summary>
public sealed class ListOffsetsResponse : IKafkaMessage<ListOffsetsResponse>
{
    public static ApiKey ApiKey => ApiKey.ListOffsets;
    public static short MinVersion => 0;
    public static short MaxVersion => 5;

    public int ThrottleTimeMs { get; set; }
    public List<Topic> Topics { get; set; } = [];

    public static ListOffsetsResponse Read(ref KafkaReader reader, short version)
    {
        var response = new ListOffsetsResponse();
        if (version >= 2)
            response.ThrottleTimeMs = reader.ReadInt32();
        response.Topics = WireArrays.Read<Topic>(ref reader, version, 6);
        return response;
    }

    public void Write(KafkaWriter writer, short version)
    {
        if (version >= 2)
            writer.WriteInt32(ThrottleTimeMs);
        WireArrays.Write(writer, Topics, version);
    }

    public sealed class Topic : IWireElement<Topic>
    {
        public string Name { get; set; } = "";
        public List<Partition> Partitions { get; set; } = [];

        static Topic IWireElement<Topic>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = WireArrays.Read<Partition>(ref reader, version, 10),
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
        public ErrorCode ErrorCode { get; set; }
        /// <summary>v0 only.</summary>
        public List<long> OldStyleOffsets { get; set; } = [];
        public long Timestamp { get; set; } = -1;
        public long Offset { get; set; } = -1;
        public int LeaderEpoch { get; set; } = -1;

        static Partition IWireElement<Partition>.Read(ref KafkaReader reader, short version)
        {
            var partition = new Partition { PartitionIndex = reader.ReadInt32(), ErrorCode = (ErrorCode)reader.ReadInt16() };
            if (version == 0)
                partition.OldStyleOffsets = WireArrays.ReadInt64s(ref reader);
            if (version >= 1)
            {
                partition.Timestamp = reader.ReadInt64();
                partition.Offset = reader.ReadInt64();
            }
            if (version >= 4)
                partition.LeaderEpoch = reader.ReadInt32();
            return partition;
        }

        void IWireElement<Partition>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt32(PartitionIndex);
            writer.WriteInt16((short)ErrorCode);
            if (version == 0)
                WireArrays.WriteInt64s(writer, OldStyleOffsets);
            if (version >= 1)
            {
                writer.WriteInt64(Timestamp);
                writer.WriteInt64(Offset);
            }
            if (version >= 4)
                writer.WriteInt32(LeaderEpoch);
        }
    }
}
