using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>
/// A request or response body of one API key. Both directions are implemented for every message: the
/// broker reads requests and writes responses, the client writes requests and reads responses.
/// <see cref="MinVersion"/>..<see cref="MaxVersion"/> is the range this codec can encode and decode. Every
/// implementation is generated from a declaration in Messages/Declarations.
/// </summary>
public interface IKafkaMessage<TSelf> where TSelf : IKafkaMessage<TSelf>
{
    static abstract ApiKey ApiKey { get; }
    static abstract short MinVersion { get; }
    static abstract short MaxVersion { get; }
    /// <summary>The first version with compact encodings and tagged fields (<see cref="FlexibleVersions.None"/> when none).</summary>
    static abstract short FirstFlexibleVersion { get; }

    /// <summary>Decodes the body (the header has already been consumed). Throws
    /// <see cref="MalformedMessageException"/> when it does not parse.</summary>
    static abstract TSelf Read(ref KafkaReader reader, short version);

    void Write(KafkaWriter writer, short version);
}
