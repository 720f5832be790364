namespace IngestHub.Streams;

/// <summary>A spout that reads a Kafka consumer group (the Kafka spout): what the status, the dashboard and an
/// autoscaler need to know about it.</summary>
public interface ISourceSpout
{
    string GroupId { get; }

    IReadOnlyList<string> Topics { get; }

    /// <summary>This task's partitions now (thread-safe snapshot).</summary>
    IReadOnlyList<SourcePartitionStatus> Partitions();
}
