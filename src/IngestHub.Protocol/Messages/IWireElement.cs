using IngestHub.Protocol.Primitives;

namespace IngestHub.Protocol.Messages;

/// <summary>An element of an array field (a topic, a partition…), read and written at the message's version.</summary>
internal interface IWireElement<TSelf> where TSelf : IWireElement<TSelf>
{
    static abstract TSelf Read(ref KafkaReader reader, short version);

    void Write(KafkaWriter writer, short version);
}
