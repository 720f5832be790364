using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>Metadata response v0–v8.</summary>
public sealed class MetadataResponse : IKafkaMessage<MetadataResponse>
{
    public static ApiKey ApiKey => ApiKey.Metadata;
    public static short MinVersion => 0;
    public static short MaxVersion => 8;

    /// <summary>Kafka's "not requested" value for authorized-operations bitfields.</summary>
    public const int AuthorizedOperationsUnknown = int.MinValue;

    public int ThrottleTimeMs { get; set; }
    public List<Broker> Brokers { get; set; } = [];
    public string? ClusterId { get; set; }
    public int ControllerId { get; set; } = -1;
    public List<Topic> Topics { get; set; } = [];
    public int ClusterAuthorizedOperations { get; set; } = AuthorizedOperationsUnknown;

    public static MetadataResponse Read(ref KafkaReader reader, short version)
    {
        var response = new MetadataResponse();
        if (version >= 3)
            response.ThrottleTimeMs = reader.ReadInt32();
        response.Brokers = WireArrays.Read<Broker>(ref reader, version, 10);
        if (version >= 2)
            response.ClusterId = reader.ReadNullableString();
        if (version >= 1)
            response.ControllerId = reader.ReadInt32();
        response.Topics = WireArrays.Read<Topic>(ref reader, version, 8);
        if (version >= 8)
            response.ClusterAuthorizedOperations = reader.ReadInt32();
        return response;
    }

    public void Write(KafkaWriter writer, short version)
    {
        if (version >= 3)
            writer.WriteInt32(ThrottleTimeMs);
        WireArrays.Write(writer, Brokers, version);
        if (version >= 2)
            writer.WriteNullableString(ClusterId);
        if (version >= 1)
            writer.WriteInt32(ControllerId);
        WireArrays.Write(writer, Topics, version);
        if (version >= 8)
            writer.WriteInt32(ClusterAuthorizedOperations);
    }

    public sealed class Broker : IWireElement<Broker>
    {
        public int NodeId { get; set; }
        public string Host { get; set; } = "";
        public int Port { get; set; }
        public string? Rack { get; set; }

        static Broker IWireElement<Broker>.Read(ref KafkaReader reader, short version)
        {
            var broker = new Broker { NodeId = reader.ReadInt32(), Host = reader.ReadString(), Port = reader.ReadInt32() };
            if (version >= 1)
                broker.Rack = reader.ReadNullableString();
            return broker;
        }

        void IWireElement<Broker>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt32(NodeId);
            writer.WriteString(Host);
            writer.WriteInt32(Port);
            if (version >= 1)
                writer.WriteNullableString(Rack);
        }
    }

    public sealed class Topic : IWireElement<Topic>
    {
        public ErrorCode ErrorCode { get; set; }
        public string Name { get; set; } = "";
        public bool IsInternal { get; set; }
        public List<Partition> Partitions { get; set; } = [];
        public int TopicAuthorizedOperations { get; set; } = AuthorizedOperationsUnknown;

        static Topic IWireElement<Topic>.Read(ref KafkaReader reader, short version)
        {
            var topic = new Topic { ErrorCode = (ErrorCode)reader.ReadInt16(), Name = reader.ReadString() };
            if (version >= 1)
                topic.IsInternal = reader.ReadBoolean();
            topic.Partitions = WireArrays.Read<Partition>(ref reader, version, 18);
            if (version >= 8)
                topic.TopicAuthorizedOperations = reader.ReadInt32();
            return topic;
        }

        void IWireElement<Topic>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt16((short)ErrorCode);
            writer.WriteString(Name);
            if (version >= 1)
                writer.WriteBoolean(IsInternal);
            WireArrays.Write(writer, Partitions, version);
            if (version >= 8)
                writer.WriteInt32(TopicAuthorizedOperations);
        }
    }

    public sealed class Partition : IWireElement<Partition>
    {
        public ErrorCode ErrorCode { get; set; }
        public int PartitionIndex { get; set; }
        public int LeaderId { get; set; }
        public int LeaderEpoch { get; set; } = -1;
        public List<int> ReplicaNodes { get; set; } = [];
        public List<int> IsrNodes { get; set; } = [];
        public List<int> OfflineReplicas { get; set; } = [];

        static Partition IWireElement<Partition>.Read(ref KafkaReader reader, short version)
        {
            var partition = new Partition
            {
                ErrorCode = (ErrorCode)reader.ReadInt16(),
                PartitionIndex = reader.ReadInt32(),
                LeaderId = reader.ReadInt32(),
            };
            if (version >= 7)
                partition.LeaderEpoch = reader.ReadInt32();
            partition.ReplicaNodes = WireArrays.ReadInt32s(ref reader);
            partition.IsrNodes = WireArrays.ReadInt32s(ref reader);
            if (version >= 5)
                partition.OfflineReplicas = WireArrays.ReadInt32s(ref reader);
            return partition;
        }

        void IWireElement<Partition>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt16((short)ErrorCode);
            writer.WriteInt32(PartitionIndex);
            writer.WriteInt32(LeaderId);
            if (version >= 7)
                writer.WriteInt32(LeaderEpoch);
            WireArrays.WriteInt32s(writer, ReplicaNodes);
            WireArrays.WriteInt32s(writer, IsrNodes);
            if (version >= 5)
                WireArrays.WriteInt32s(writer, OfflineReplicas);
        }
    }
}
