namespace IngestHub.Protocol.Messages;

/// <summary>Constants for Metadata responses (the fields are generated from Metadata.api).</summary>
public sealed partial class MetadataResponse
{
    /// <summary>Kafka's "not requested" value for authorized-operations bitfields.</summary>
    public const int AuthorizedOperationsUnknown = int.MinValue;
}
