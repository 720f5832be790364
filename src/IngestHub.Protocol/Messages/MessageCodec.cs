using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>Encodes and decodes message bodies and whole size-prefixed frames.</summary>
public static class MessageCodec
{
    /// <summary>The body alone, as a new array.</summary>
    public static byte[] Encode<T>(T message, short version) where T : IKafkaMessage<T>
    {
        CheckVersion<T>(version);
        using var buffer = new PooledBufferWriter();
        message.Write(new KafkaWriter(buffer), version);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a body; byte fields of the result are slices of <paramref name="body"/>.</summary>
    public static T Decode<T>(ReadOnlyMemory<byte> body, short version) where T : IKafkaMessage<T> =>
        Decode<T>(body, version, out _);

    /// <summary>Decodes a body and reports how many bytes it took (trailing bytes are left unread, as Kafka does).</summary>
    public static T Decode<T>(ReadOnlyMemory<byte> body, short version, out int consumed) where T : IKafkaMessage<T>
    {
        CheckVersion<T>(version);
        var reader = new KafkaReader(body);
        var message = T.Read(ref reader, version);
        consumed = reader.Position;
        return message;
    }

    /// <summary>Appends <c>size · request header · body</c> to <paramref name="output"/>; the header's api key
    /// and version say how the body is encoded.</summary>
    public static void WriteRequestFrame<T>(PooledBufferWriter output, RequestHeader header, T body) where T : IKafkaMessage<T>
    {
        if (header.ApiKey != T.ApiKey)
            throw new ArgumentException($"header is for {header.ApiKey} but the body is {T.ApiKey}", nameof(header));
        CheckVersion<T>(header.ApiVersion);
        int sizeAt = output.Reserve(4);
        var writer = new KafkaWriter(output);
        header.Write(writer);
        body.Write(writer, header.ApiVersion);
        output.WriteInt32At(sizeAt, output.WrittenCount - sizeAt - 4);
    }

    /// <summary>Appends <c>size · correlation id (· tagged fields for header v1) · body</c> to <paramref name="output"/>.</summary>
    public static void WriteResponseFrame<T>(PooledBufferWriter output, int correlationId, T body, short version) where T : IKafkaMessage<T>
    {
        CheckVersion<T>(version);
        int sizeAt = output.Reserve(4);
        var writer = new KafkaWriter(output);
        ResponseHeader.Write(writer, correlationId, FlexibleVersions.ResponseHeaderVersion(T.ApiKey, version));
        body.Write(writer, version);
        output.WriteInt32At(sizeAt, output.WrittenCount - sizeAt - 4);
    }

    private static void CheckVersion<T>(short version) where T : IKafkaMessage<T>
    {
        if (version < T.MinVersion || version > T.MaxVersion)
            throw new ArgumentOutOfRangeException(nameof(version), version, $"{typeof(T).Name} supports versions {T.MinVersion}-{T.MaxVersion}");
    }
}
