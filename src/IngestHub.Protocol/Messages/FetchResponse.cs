using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>
/// Fetch response v4–v11. Records are a <see cref="RecordsPayload"/> so the broker can copy segment bytes
/// straight into the outgoing frame; a decoded response holds a slice of the received frame.
/// </summary>
public sealed class FetchResponse : IKafkaMessage<FetchResponse>
{
    public static ApiKey ApiKey => ApiKey.Fetch;
    public static short MinVersion => 4;
    public static short MaxVersion => 11;

    public int ThrottleTimeMs { get; set; }
    public ErrorCode ErrorCode { get; set; }
    public int SessionId { get; set; }
    public List<Topic> Topics { get; set; } = [];

    public static FetchResponse Read(ref KafkaReader reader, short version)
    {
        var response = new FetchResponse { ThrottleTimeMs = reader.ReadInt32() };
        if (version >= 7)
        {
            response.ErrorCode = (ErrorCode)reader.ReadInt16();
            response.SessionId = reader.ReadInt32();
        }
        response.Topics = WireArrays.Read<Topic>(ref reader, version, 6);
        return response;
    }

    public void Write(KafkaWriter writer, short version)
    {
        writer.WriteInt32(ThrottleTimeMs);
        if (version >= 7)
        {
            writer.WriteInt16((short)ErrorCode);
            writer.WriteInt32(SessionId);
        }
        WireArrays.Write(writer, Topics, version);
    }

    public sealed class Topic : IWireElement<Topic>
    {
        public string Name { get; set; } = "";
        public List<Partition> Partitions { get; set; } = [];

        static Topic IWireElement<Topic>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = WireArrays.Read<Partition>(ref reader, version, 30),
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
        public long HighWatermark { get; set; }
        public long LastStableOffset { get; set; } = -1;
        public long LogStartOffset { get; set; } = -1;
        /// <summary>Null when there is nothing to report (Kafka's default).</summary>
        public List<AbortedTransaction>? AbortedTransactions { get; set; }
        public int PreferredReadReplica { get; set; } = -1;
        public RecordsPayload? Records { get; set; }

        static Partition IWireElement<Partition>.Read(ref KafkaReader reader, short version)
        {
            var partition = new Partition
            {
                PartitionIndex = reader.ReadInt32(),
                ErrorCode = (ErrorCode)reader.ReadInt16(),
                HighWatermark = reader.ReadInt64(),
                LastStableOffset = reader.ReadInt64(),
            };
            if (version >= 5)
                partition.LogStartOffset = reader.ReadInt64();
            partition.AbortedTransactions = WireArrays.ReadNullable<AbortedTransaction>(ref reader, version, 16);
            if (version >= 11)
                partition.PreferredReadReplica = reader.ReadInt32();
            var records = reader.ReadNullableBytes();
            partition.Records = records is { } bytes ? new MemoryRecordsPayload(bytes) : null;
            return partition;
        }

        void IWireElement<Partition>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt32(PartitionIndex);
            writer.WriteInt16((short)ErrorCode);
            writer.WriteInt64(HighWatermark);
            writer.WriteInt64(LastStableOffset);
            if (version >= 5)
                writer.WriteInt64(LogStartOffset);
            WireArrays.Write(writer, AbortedTransactions, version);
            if (version >= 11)
                writer.WriteInt32(PreferredReadReplica);
            RecordsPayload.Write(writer, Records);
        }
    }

    public sealed class AbortedTransaction : IWireElement<AbortedTransaction>
    {
        public long ProducerId { get; set; }
        public long FirstOffset { get; set; }

        static AbortedTransaction IWireElement<AbortedTransaction>.Read(ref KafkaReader reader, short version) => new()
        {
            ProducerId = reader.ReadInt64(),
            FirstOffset = reader.ReadInt64(),
        };

        void IWireElement<AbortedTransaction>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt64(ProducerId);
            writer.WriteInt64(FirstOffset);
        }
    }
}
