using IngestHub.Streams.Topology;

namespace IngestHub.Streams.Runtime;

/// <summary>A component that checks its settings against the topology's when the topology is submitted (a
/// windowed bolt refusing a window longer than the message timeout); throws <see cref="InvalidTopologyException"/>.</summary>
internal interface ISubmitCheck
{
    void Check(ComponentDefinition component, TopologyConfig config);
}
