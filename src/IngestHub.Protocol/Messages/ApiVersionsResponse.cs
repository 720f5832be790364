using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>ApiVersions response v0–v3 (v3 flexible; its header is nevertheless v0).</summary>
public sealed class ApiVersionsResponse : IKafkaMessage<ApiVersionsResponse>
{
    public static ApiKey ApiKey => ApiKey.ApiVersions;
    public static short MinVersion => 0;
    public static short MaxVersion => 3;

    public ErrorCode ErrorCode { get; set; }
    public List<ApiVersionRange> ApiKeys { get; set; } = [];
    public int ThrottleTimeMs { get; set; }

    public static ApiVersionsResponse Read(ref KafkaReader reader, short version)
    {
        bool flexible = version >= 3;
        var response = new ApiVersionsResponse
        {
            ErrorCode = (ErrorCode)reader.ReadInt16(),
            ApiKeys = WireArrays.Read<ApiVersionRange>(ref reader, version, flexible ? 7 : 6, flexible),
        };
        if (version >= 1)
            response.ThrottleTimeMs = reader.ReadInt32();
        if (flexible)
            reader.SkipTaggedFields();
        return response;
    }

    public void Write(KafkaWriter writer, short version)
    {
        bool flexible = version >= 3;
        writer.WriteInt16((short)ErrorCode);
        WireArrays.Write(writer, ApiKeys, version, flexible);
        if (version >= 1)
            writer.WriteInt32(ThrottleTimeMs);
        if (flexible)
            writer.WriteEmptyTaggedFields();
    }

    /// <summary>One API key and the version range the broker serves for it.</summary>
    public sealed class ApiVersionRange : IWireElement<ApiVersionRange>
    {
        public ApiKey ApiKey { get; set; }
        public short MinVersion { get; set; }
        public short MaxVersion { get; set; }

        static ApiVersionRange IWireElement<ApiVersionRange>.Read(ref KafkaReader reader, short version)
        {
            var range = new ApiVersionRange
            {
                ApiKey = (ApiKey)reader.ReadInt16(),
                MinVersion = reader.ReadInt16(),
                MaxVersion = reader.ReadInt16(),
            };
            if (version >= 3)
                reader.SkipTaggedFields();
            return range;
        }

        void IWireElement<ApiVersionRange>.Write(KafkaWriter writer, short version)
        {
            writer.WriteInt16((short)ApiKey);
            writer.WriteInt16(MinVersion);
            writer.WriteInt16(MaxVersion);
            if (version >= 3)
                writer.WriteEmptyTaggedFields();
        }
    }
}
