using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>Produce response v3–v8.</summary>
public sealed class ProduceResponse : IKafkaMessage<ProduceResponse>
{
    public static ApiKey ApiKey => ApiKey.Produce;
    public static short MinVersion => 3;
    public static short MaxVersion => 8;

    public List<Topic> Topics { get; set; } = [];
    public int ThrottleTimeMs { get; set; }

    public static ProduceResponse Read(ref KafkaReader reader, short version) => new()
    {
        Topics = WireArrays.Read<Topic>(ref reader, version, 6),
        ThrottleTimeMs = reader.ReadInt32(),
    };

    public void Write(KafkaWriter writer, short version)
    {
        WireArrays.Write(writer, Topics, version);
        writer.WriteInt32(ThrottleTimeMs);
    }

    public sealed class Topic : IWireElement<Topic>
    {
        public string Name { get; set; } = "";
        public List<Partition> Partitions { get; set; } = [];

        static Topic IWireElement<Topic>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = WireArrays.Read<Partition>(ref reader, version, 22),
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
        public long BaseOffset { get; set; }
        public long LogAppendTimeMs { get; set; } = -1;
        public long LogStartOffset { get; set; } = -1;
        public List<RecordError> RecordErrors { get; set; } = [];
        public string? ErrorMessage { get; set; }

        static Partition IWireElement<Partition>.Read(ref KafkaReader reader, short version)
        {
            var partition = new Partition
            {
                PartitionIndex = reader.ReadInt32(),
                ErrorCode = (ErrorCode)reader.ReadInt16(),
                BaseOffset = reader.ReadInt64(),
                LogAppendTimeMs = reader.ReadInt64(),
            };
            if (version >= 5)
                partition.LogStartOffset = reader.ReadInt64();
            if (version >= 8)
            {
                partition.RecordErrors = WireArrays.Read<RecordError>(ref reader, version, 6);
                partition.ErrorMessage = reader.ReadNullableString();
            }
            return partition;
        }

        void IWireElement<Partition>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt32(PartitionIndex);
            writer.WriteInt16((short)ErrorCode);
            writer.WriteInt64(BaseOffset);
            writer.WriteInt64(LogAppendTimeMs);
            if (version >= 5)
                writer.WriteInt64(LogStartOffset);
            if (version >= 8)
            {
                WireArrays.Write(writer, RecordErrors, version);
                writer.WriteNullableString(ErrorMessage);
            }
        }
    }

    /// <summary>A record (by its index in the batch) that caused the batch to be dropped.</summary>
    public sealed class RecordError : IWireElement<RecordError>
    {
        public int BatchIndex { get; set; }
        public string? Message { get; set; }

        static RecordError IWireElement<RecordError>.Read(ref KafkaReader reader, short version) => new()
        {
            BatchIndex = reader.ReadInt32(),
            Message = reader.ReadNullableString(),
        };

        void IWireElement<RecordError>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt32(BatchIndex);
            writer.WriteNullableString(Message);
        }
    }
}
