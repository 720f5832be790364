using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>DescribeConfigs response v0–v3. v0 has IsDefault; v1+ replaces it with ConfigSource and synonyms.</summary>
public sealed class DescribeConfigsResponse : IKafkaMessage<DescribeConfigsResponse>
{
    public static ApiKey ApiKey => ApiKey.DescribeConfigs;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    public int ThrottleTimeMs { get; set; }
    public List<Result> Results { get; set; } = [];

    public static DescribeConfigsResponse Read(ref KafkaReader reader, short version) => new()
    {
        ThrottleTimeMs = reader.ReadInt32(),
        Results = WireArrays.Read<Result>(ref reader, version, 11),
    };

    public void Write(KafkaWriter writer, short version)
    {
        writer.WriteInt32(ThrottleTimeMs);
        WireArrays.Write(writer, Results, version);
    }

    public sealed class Result : IWireElement<Result>
    {
        public ErrorCode ErrorCode { get; set; }
        public string? ErrorMessage { get; set; }
        public sbyte ResourceType { get; set; }
        public string ResourceName { get; set; } = "";
        public List<Config> Configs { get; set; } = [];

        static Result IWireElement<Result>.Read(ref KafkaReader reader, short version) => new()
        {
            ErrorCode = (ErrorCode)reader.ReadInt16(),
            ErrorMessage = reader.ReadNullableString(),
            ResourceType = reader.ReadInt8(),
            ResourceName = reader.ReadString(),
            Configs = WireArrays.Read<Config>(ref reader, version, 7),
        };

        void IWireElement<Result>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt16((short)ErrorCode);
            writer.WriteNullableString(ErrorMessage);
            writer.WriteInt8(ResourceType);
            writer.WriteString(ResourceName);
            WireArrays.Write(writer, Configs, version);
        }
    }

    public sealed class Config : IWireElement<Config>
    {
        public string Name { get; set; } = "";
        public string? Value { get; set; }
        public bool ReadOnly { get; set; }
        /// <summary>v0 only.</summary>
        public bool IsDefault { get; set; }
        /// <summary>v1+: 1 dynamic topic, 4 static broker, 5 default, …; -1 unknown.</summary>
        public sbyte ConfigSource { get; set; } = -1;
        public bool IsSensitive { get; set; }
        public List<Synonym> Synonyms { get; set; } = [];
        /// <summary>v3+: 1 boolean, 2 string, 3 int, 4 short, 5 long, 6 double, 7 list, 8 class, 9 password; 0 unknown.</summary>
        public sbyte ConfigType { get; set; }
        public string? Documentation { get; set; }

        static Config IWireElement<Config>.Read(ref KafkaReader reader, short version)
        {
            var config = new Config { Name = reader.ReadString(), Value = reader.ReadNullableString(), ReadOnly = reader.ReadBoolean() };
            if (version == 0)
                config.IsDefault = reader.ReadBoolean();
            else
                config.ConfigSource = reader.ReadInt8();
            config.IsSensitive = reader.ReadBoolean();
            if (version >= 1)
                config.Synonyms = WireArrays.Read<Synonym>(ref reader, version, 5);
            if (version >= 3)
            {
                config.ConfigType = reader.ReadInt8();
                config.Documentation = reader.ReadNullableString();
            }
            return config;
        }

        void IWireElement<Config>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            writer.WriteNullableString(Value);
            writer.WriteBoolean(ReadOnly);
            if (version == 0)
                writer.WriteBoolean(IsDefault);
            else
                writer.WriteInt8(ConfigSource);
            writer.WriteBoolean(IsSensitive);
            if (version >= 1)
                WireArrays.Write(writer, Synonyms, version);
            if (version >= 3)
            {
                writer.WriteInt8(ConfigType);
                writer.WriteNullableString(Documentation);
            }
        }
    }

    public sealed class Synonym : IWireElement<Synonym>
    {
        public string Name { get; set; } = "";
        public string? Value { get; set; }
        public sbyte Source { get; set; }

        static Synonym IWireElement<Synonym>.Read(ref KafkaReader reader, short version) => new()
        {
            Name = reader.ReadString(),
            Value = reader.ReadNullableString(),
            Source = reader.ReadInt8(),
        };

        void IWireElement<Synonym>.Write(KafkaWriter writer, short version)
        {
            writer.WriteString(Name);
            writer.WriteNullableString(Value);
            writer.WriteInt8(Source);
        }
    }
}
