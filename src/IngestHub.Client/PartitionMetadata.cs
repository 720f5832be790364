using IngestHub.Protocol;

namespace IngestHub.Client;

/// <summary>One partition in Metadata: its leader (-1 when none) and replicas.</summary>
public sealed record PartitionMetadata(int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr, ErrorCode Error);
