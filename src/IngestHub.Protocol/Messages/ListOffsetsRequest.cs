namespace IngestHub.Protocol.Messages;

/// <summary>The special timestamps a ListOffsets partition can ask for (the fields are generated from ListOffsets.api).</summary>
public sealed partial class ListOffsetsRequest
{
    public const long LatestTimestamp = -1;
    public const long EarliestTimestamp = -2;
    /// <summary>The offset of the record with the highest timestamp (v7+).</summary>
    public const long MaxTimestamp = -3;
}
