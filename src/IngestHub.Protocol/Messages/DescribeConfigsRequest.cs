using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>DescribeConfigs request v0–v3.</summary>
public sealed class DescribeConfigsRequest : IKafkaMessage<DescribeConfigsRequest>
{
    public static ApiKey ApiKey => ApiKey.DescribeConfigs;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    public List<Resource> Resources { get; set; } = [];
    public bool IncludeSynonyms { get; set; }
    public bool IncludeDocumentation { get; set; }

    public static DescribeConfigsRequest Read(ref KafkaReader reader, short version)
    {
        var request = new DescribeConfigsRequest { Resources = WireArrays.Read<Resource>(ref reader, version, 7) };
        if (version >= 1)
            request.IncludeSynonyms = reader.ReadBoolean();
        if (version >= 3)
            request.IncludeDocumentation = reader.ReadBoolean();
        return request;
    }

    public void Write(KafkaWriter writer, short version)
    {
        WireArrays.Write(writer, Resources, version);
        if (version >= 1)
            writer.WriteBoolean(IncludeSynonyms);
        if (version >= 3)
            writer.WriteBoolean(IncludeDocumentation);
    }

    public sealed class Resource : IWireElement<Resource>
    {
        /// <summary>Kafka's resource type: 2 topic, 4 broker, 8 broker logger.</summary>
        public sbyte ResourceType { get; set; }
        public string ResourceName { get; set; } = "";
        /// <summary>Null asks for every configuration key.</summary>
        public List<string>? ConfigurationKeys { get; set; }

        static Resource IWireElement<Resource>.Read(ref KafkaReader reader, short version) => new()
        {
            ResourceType = reader.ReadInt8(),
            ResourceName = reader.ReadString(),
            ConfigurationKeys = WireArrays.ReadNullableStrings(ref reader),
        };

        void IWireElement<Resource>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt8(ResourceType);
            writer.WriteString(ResourceName);
            WireArrays.WriteStrings(writer, ConfigurationKeys);
        }
    }
}
