namespace IngestHub.Broker.Groups.OffsetsTopic;

/// <summary>Key of an offset commit record in <c>__consumer_offsets</c> (key versions 0 and 1, the same layout:
/// version int16, group string, topic string, partition int32).</summary>
public sealed record OffsetCommitKey(string Group, string Topic, int Partition);
