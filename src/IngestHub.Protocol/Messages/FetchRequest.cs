using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>Fetch request v4–v11.</summary>
public sealed class FetchRequest : IKafkaMessage<FetchRequest>
{
    public static ApiKey ApiKey => ApiKey.Fetch;
    public static short MinVersion => 4;
    public static short MaxVersion => 11;

    public int ReplicaId { get; set; } = -1;
    public int MaxWaitMs { get; set; }
    public int MinBytes { get; set; }
    public int MaxBytes { get; set; } = int.MaxValue;
    /// <summary>0 = read uncommitted, 1 = read committed.</summary>
    public sbyte IsolationLevel { get; set; }
    public int SessionId { get; set; }
    public int SessionEpoch { get; set; } = -1;
    public List<Topic> Topics { get; set; } = [];
    public List<ForgottenTopic> ForgottenTopics { get; set; } = [];
    public string RackId { get; set; } = "";

    public static FetchRequest Read(ref KafkaReader reader, short version)
    {
        var request = new FetchRequest
        {
            ReplicaId = reader.ReadInt32(),
            MaxWaitMs = reader.ReadInt32(),
            MinBytes = reader.ReadInt32(),
            MaxBytes = reader.ReadInt32(),
            IsolationLevel = reader.ReadInt8(),
        };
        if (version >= 7)
        {
            request.SessionId = reader.ReadInt32();
            request.SessionEpoch = reader.ReadInt32();
        }
        request.Topics = WireArrays.Read<Topic>(ref reader, version, 6);
        if (version >= 7)
            request.ForgottenTopics = WireArrays.Read<ForgottenTopic>(ref reader, version, 6);
        if (version >= 11)
            request.RackId = reader.ReadString();
        return request;
    }

    public void Write(KafkaWriter writer, short version)
    {
        writer.WriteInt32(ReplicaId);
        writer.WriteInt32(MaxWaitMs);
        writer.WriteInt32(MinBytes);
        writer.WriteInt32(MaxBytes);
        writer.WriteInt8(IsolationLevel);
        if (version >= 7)
        {
            writer.WriteInt32(SessionId);
            writer.WriteInt32(SessionEpoch);
        }
        WireArrays.Write(writer, Topics, version);
        if (version >= 7)
            WireArrays.Write(writer, ForgottenTopics, version);
        if (version >= 11)
            writer.WriteString(RackId);
    }

    public sealed class Topic : IWireElement<Topic>
    {
        public string Name { get; set; } = "";
        public List<Partition> Partitions { get; set; } = [];

        static Topic IWireElement<Topic>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = WireArrays.Read<Partition>(ref reader, version, 16),
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
        public long FetchOffset { get; set; }
        public long LogStartOffset { get; set; } = -1;
        public int PartitionMaxBytes { get; set; }

        static Partition IWireElement<Partition>.Read(ref KafkaReader reader, short version)
        {
            var partition = new Partition { PartitionIndex = reader.ReadInt32() };
            if (version >= 9)
                partition.CurrentLeaderEpoch = reader.ReadInt32();
            partition.FetchOffset = reader.ReadInt64();
            if (version >= 5)
                partition.LogStartOffset = reader.ReadInt64();
            partition.PartitionMaxBytes = reader.ReadInt32();
            return partition;
        }

        void IWireElement<Partition>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt32(PartitionIndex);
            if (version >= 9)
                writer.WriteInt32(CurrentLeaderEpoch);
            writer.WriteInt64(FetchOffset);
            if (version >= 5)
                writer.WriteInt64(LogStartOffset);
            writer.WriteInt32(PartitionMaxBytes);
        }
    }

    /// <summary>Partitions an incremental fetch session should stop fetching.</summary>
    public sealed class ForgottenTopic : IWireElement<ForgottenTopic>
    {
        public string Name { get; set; } = "";
        public List<int> Partitions { get; set; } = [];

        static ForgottenTopic IWireElement<ForgottenTopic>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Partitions = WireArrays.ReadInt32s(ref reader),
        };

        void IWireElement<ForgottenTopic>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            WireArrays.WriteInt32s(writer, Partitions);
        }
    }
}
