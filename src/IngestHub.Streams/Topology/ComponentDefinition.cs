namespace IngestHub.Streams.Topology;

/// <summary>
/// A spout or bolt of a validated topology: how to create one instance per task, its parallelism (initial
/// executors), its fixed task count, its inputs, declared streams and component configuration.
/// </summary>
public sealed class ComponentDefinition
{
    private readonly Func<IComponent> _factory;
    private IComponent? _prototype;

    internal ComponentDefinition(string id, ComponentKind kind, Func<IComponent> factory, int parallelism, int numTasks,
        IReadOnlyList<InputDeclaration> inputs, IReadOnlyDictionary<string, object?> configuration)
    {
        Id = id;
        Kind = kind;
        _factory = factory;
        Parallelism = parallelism;
        NumTasks = numTasks;
        Inputs = inputs;
        Configuration = configuration;
    }

    public string Id { get; }

    public ComponentKind Kind { get; }

    /// <summary>Executors at start (never more than <see cref="NumTasks"/>).</summary>
    public int Parallelism { get; }

    /// <summary>Tasks, fixed for the topology's life.</summary>
    public int NumTasks { get; }

    public IReadOnlyList<InputDeclaration> Inputs { get; }

    /// <summary>Component configuration: the builder's settings over the component's own.</summary>
    public IReadOnlyDictionary<string, object?> Configuration { get; internal set; }

    /// <summary>Declared output streams by id.</summary>
    public IReadOnlyDictionary<string, StreamSchema> Streams { get; internal set; } = new Dictionary<string, StreamSchema>();

    /// <summary>The instance created first (used to declare streams; it becomes task 0's instance).</summary>
    public IComponent Prototype => _prototype ??= _factory();

    /// <summary>The component's type (the user's class for wrapped basic and windowed bolts).</summary>
    public Type ImplementationType => Prototype is IWrappingBolt w ? w.Inner.GetType() : Prototype.GetType();

    internal IComponent CreateInstance(int index)
    {
        if (index == 0)
        {
            var first = Prototype;
            return first;
        }
        return _factory();
    }
}
