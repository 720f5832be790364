using IngestHub.Protocol;

namespace IngestHub.Client;

/// <summary>One topic in Metadata; <see cref="Partitions"/> is sorted by partition id.</summary>
public sealed record TopicMetadata(string Name, ErrorCode Error, bool IsInternal, IReadOnlyList<PartitionMetadata> Partitions);
