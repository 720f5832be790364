using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Extensions.Logging;

namespace IngestHub.Streams.Hosting;

/// <summary>
/// Loads topology assemblies (<c>*.dll</c> in the topologies folder), each in its own load context that shares
/// the host's IngestHub and framework assemblies, and finds their <see cref="ITopologyFactory"/> types and the
/// component types YAML names with <c>class:</c>.
/// </summary>
public sealed class TopologyAssemblies
{
    private readonly List<Assembly> _assemblies = [];

    public IReadOnlyList<Assembly> Assemblies => _assemblies;

    public static TopologyAssemblies Load(string? directory, ILogger logger)
    {
        var result = new TopologyAssemblies();
        if (directory is null || !Directory.Exists(directory))
            return result;
        var shared = new HashSet<string>(AssemblyLoadContext.Default.Assemblies.Select(a => a.GetName().Name!), StringComparer.OrdinalIgnoreCase);
        foreach (var path in Directory.EnumerateFiles(directory, "*.dll").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            if (shared.Contains(name))
                continue; // a copy of an assembly the host already has (IngestHub.Streams itself, for instance)
            try
            {
                var context = new PluginContext(path);
                var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(path));
                _ = assembly.GetTypes();
                result._assemblies.Add(assembly);
                logger.LogInformation("Loaded topology assembly {Assembly} from {Path}", assembly.GetName().Name, path);
            }
            catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException)
            {
                logger.LogError("Topology assembly {Path} could not be loaded: {Error}", path, ex is ReflectionTypeLoadException r ? string.Join("; ", r.LoaderExceptions.Select(e => e?.Message)) : ex.Message);
            }
        }
        return result;
    }

    /// <summary>The <see cref="ITopologyFactory"/> implementations with a public parameterless constructor.</summary>
    public IEnumerable<(ITopologyFactory Factory, string Assembly)> Factories(ILogger logger)
    {
        foreach (var assembly in _assemblies)
        {
            foreach (var type in assembly.GetTypes())
            {
                if (type.IsAbstract || !typeof(ITopologyFactory).IsAssignableFrom(type))
                    continue;
                ITopologyFactory? factory = null;
                try
                {
                    factory = (ITopologyFactory?)Activator.CreateInstance(type);
                }
                catch (Exception ex) when (ex is MissingMethodException or TargetInvocationException)
                {
                    logger.LogError("Topology factory {Type} could not be created: {Error}", type.FullName, ex.GetBaseException().Message);
                }
                if (factory is not null)
                    yield return (factory, assembly.Location);
            }
        }
    }

    /// <summary>Resolves <c>Namespace.Type</c> or <c>Namespace.Type, Assembly</c> in the loaded assemblies, then the host's.</summary>
    public Type? Resolve(string name)
    {
        string typeName = name;
        string? assemblyName = null;
        int comma = name.IndexOf(',', StringComparison.Ordinal);
        if (comma > 0)
        {
            typeName = name[..comma].Trim();
            assemblyName = name[(comma + 1)..].Split(',')[0].Trim();
        }
        foreach (var assembly in _assemblies)
        {
            if (assemblyName is not null && !string.Equals(assembly.GetName().Name, assemblyName, StringComparison.OrdinalIgnoreCase))
                continue;
            if (assembly.GetType(typeName) is { } type)
                return type;
        }
        return Type.GetType(name, throwOnError: false);
    }

    private sealed class PluginContext(string path) : AssemblyLoadContext(Path.GetFileNameWithoutExtension(path), isCollectible: false)
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // What the host can load (IngestHub.*, the framework, its packages) is shared, so types are the same.
            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (FileNotFoundException)
            {
            }
            return _resolver.ResolveAssemblyToPath(assemblyName) is { } resolved ? LoadFromAssemblyPath(resolved) : null;
        }
    }
}
