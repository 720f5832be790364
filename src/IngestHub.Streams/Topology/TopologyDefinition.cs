namespace IngestHub.Streams.Topology;

/// <summary>
/// A validated topology: its components in declaration order, each with its declared streams and inputs.
/// Start it with <see cref="Runtime.RunningTopology.Start"/>; a definition runs once (its instances belong to
/// that run), so build it again to run it again.
/// </summary>
public sealed class TopologyDefinition
{
    private readonly Dictionary<string, ComponentDefinition> _byId;
    private int _started;

    private TopologyDefinition(string name, IReadOnlyList<ComponentDefinition> components)
    {
        Name = name;
        Components = components;
        _byId = components.ToDictionary(c => c.Id, StringComparer.Ordinal);
    }

    public string Name { get; }

    public IReadOnlyList<ComponentDefinition> Components { get; }

    public IEnumerable<ComponentDefinition> Spouts => Components.Where(c => c.Kind == ComponentKind.Spout);

    public IEnumerable<ComponentDefinition> Bolts => Components.Where(c => c.Kind == ComponentKind.Bolt);

    public ComponentDefinition? Find(string id) => _byId.GetValueOrDefault(id);

    public ComponentDefinition this[string id] => _byId.TryGetValue(id, out var c) ? c : throw new KeyNotFoundException($"no component '{id}'");

    internal void MarkStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
            throw new InvalidOperationException($"topology {Name} was started already; build its definition again to run it again");
    }

    internal static TopologyDefinition Create(string name, List<ComponentDefinition> components)
    {
        if (components.Count == 0)
            throw new InvalidTopologyException($"topology {name} has no components");
        if (!components.Exists(c => c.Kind == ComponentKind.Spout))
            throw new InvalidTopologyException($"topology {name} has no spout");
        var definition = new TopologyDefinition(name, components);
        foreach (var component in components)
        {
            var declarer = new OutputDeclarer(component.Id);
            try
            {
                component.Prototype.DeclareOutputFields(declarer);
            }
            catch (Exception ex) when (ex is not InvalidTopologyException)
            {
                throw new InvalidTopologyException($"{component.Id}: DeclareOutputFields failed: {ex.Message}", ex);
            }
            component.Streams = declarer.Streams;
            var configuration = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (component.Prototype.GetComponentConfiguration() is { } own)
            {
                foreach (var (key, value) in own)
                    configuration[key] = value;
            }
            foreach (var (key, value) in component.Configuration)
                configuration[key] = value;
            component.Configuration = configuration;
        }
        foreach (var component in components)
        {
            if (component.Kind == ComponentKind.Spout && component.Inputs.Count > 0)
                throw new InvalidTopologyException($"{component.Id}: a spout has no inputs");
            foreach (var input in component.Inputs)
                CheckInput(definition, component, input);
        }
        CheckAcyclic(definition);
        return definition;
    }

    private static void CheckInput(TopologyDefinition definition, ComponentDefinition component, InputDeclaration input)
    {
        var source = definition.Find(input.SourceComponent)
            ?? throw new InvalidTopologyException($"{component.Id}: subscribes to unknown component '{input.SourceComponent}'");
        if (!source.Streams.TryGetValue(input.StreamId, out var stream))
        {
            var declared = source.Streams.Count == 0 ? "none" : string.Join(", ", source.Streams.Keys);
            throw new InvalidTopologyException($"{component.Id}: subscribes to stream '{input.StreamId}' of {source.Id}, which declares streams: {declared}");
        }
        var grouping = input.Grouping;
        if (grouping.Kind == GroupingKind.Fields)
        {
            foreach (var field in grouping.Fields!)
            {
                if (!stream.Fields.Contains(field))
                    throw new InvalidTopologyException($"{component.Id}: fields grouping on {source.Id}:{input.StreamId} uses field '{field}', which the stream does not declare (fields: {stream.Fields})");
            }
        }
        if (grouping.Kind == GroupingKind.Direct && !stream.Direct)
            throw new InvalidTopologyException($"{component.Id}: direct grouping on {source.Id}:{input.StreamId}, which is not declared direct");
        if (grouping.Kind != GroupingKind.Direct && stream.Direct)
            throw new InvalidTopologyException($"{component.Id}: {source.Id}:{input.StreamId} is a direct stream and needs direct grouping");
    }

    private static void CheckAcyclic(TopologyDefinition definition)
    {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new Stack<string>();
        foreach (var component in definition.Components)
            Visit(component.Id);

        void Visit(string id)
        {
            switch (state.GetValueOrDefault(id))
            {
                case 2:
                    return;
                case 1:
                    throw new InvalidTopologyException($"the topology has a cycle: {string.Join(" <- ", path.Reverse().SkipWhile(p => p != id))} <- {id}");
            }
            state[id] = 1;
            path.Push(id);
            foreach (var input in definition[id].Inputs)
                Visit(input.SourceComponent);
            path.Pop();
            state[id] = 2;
        }
    }

    private sealed class OutputDeclarer(string componentId) : IOutputFieldsDeclarer
    {
        public Dictionary<string, StreamSchema> Streams { get; } = new(StringComparer.Ordinal);

        public void Declare(Fields fields) => DeclareStream(TopologyConstants.DefaultStream, false, fields);

        public void Declare(bool direct, Fields fields) => DeclareStream(TopologyConstants.DefaultStream, direct, fields);

        public void DeclareStream(string streamId, Fields fields) => DeclareStream(streamId, false, fields);

        public void DeclareStream(string streamId, bool direct, Fields fields)
        {
            ArgumentNullException.ThrowIfNull(fields);
            if (string.IsNullOrEmpty(streamId))
                throw new InvalidTopologyException($"{componentId}: a stream id must not be empty");
            if (streamId.StartsWith("__", StringComparison.Ordinal))
                throw new InvalidTopologyException($"{componentId}: stream ids starting with __ are reserved ({streamId})");
            if (!Streams.TryAdd(streamId, new StreamSchema(componentId, streamId, fields, direct)))
                throw new InvalidTopologyException($"{componentId}: stream '{streamId}' is declared twice");
        }
    }
}
