using IngestHub.Pipelines.Configuration;

namespace IngestHub.Autoscaler;

/// <summary>
/// Something the autoscaler can scale: a consumer group reading <see cref="Topics"/> with a number of workers (at
/// most one per partition does useful work) under an autoscale policy. Connectors and Kafka-spout topologies are
/// targets. <see cref="Spill"/> is null when the target cannot relay its source to a spill topic.
/// </summary>
public interface IScalable
{
    /// <summary>Unique among targets; used in the API path and the spill topic's group name.</summary>
    string Name { get; }

    /// <summary><c>connector</c> or <c>spout</c>.</summary>
    string Kind { get; }

    string GroupId { get; }

    IReadOnlyList<string> Topics { get; }

    /// <summary>The policy; null when the target is no longer autoscaled but a spill of it still has to finish.</summary>
    AutoscaleDefinition? Policy { get; }

    /// <summary>Workers running now.</summary>
    int Workers { get; }

    /// <summary>Sets the number of workers without a restart (the target caps it at its partition count).</summary>
    Task SetWorkersAsync(int workers, CancellationToken cancellationToken);

    ISpillable? Spill { get; }
}
