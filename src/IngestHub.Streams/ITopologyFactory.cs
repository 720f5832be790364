using IngestHub.Streams.Topology;

namespace IngestHub.Streams;

/// <summary>
/// A topology written in C#: register it in the host's services (<c>services.AddSingleton&lt;ITopologyFactory, MyTopology&gt;()</c>)
/// or put its assembly in the topologies folder. <see cref="Build"/> is called for every (re)start and must
/// create new component instances each time.
/// </summary>
public interface ITopologyFactory
{
    string Name { get; }

    TopologyConfig Configure() => new();

    TopologyDefinition Build(TopologyEnvironment environment);
}
