namespace IngestHub.Protocol.Messages;

/// <summary>A declared message as data: its type, API key (null for a data message), kind (request, response or
/// data), version range and fields. Generated into <see cref="MessageCatalog"/>.</summary>
public sealed record MessageDescriptor(Type Type, ApiKey? ApiKey, string Kind, short MinVersion, short MaxVersion, short FirstFlexibleVersion, StructDescriptor Body);
