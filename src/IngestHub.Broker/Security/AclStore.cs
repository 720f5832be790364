using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Protocol.Acls;
using IngestHub.Storage;

namespace IngestHub.Broker.Security;

/// <summary>
/// The ACLs in <c>&lt;data&gt;/acls.json</c>, replaced as a whole with <see cref="AtomicFile"/> (temp file, fsync,
/// rename) on every change, so a crash leaves either the old or the new set. Read once at start; the broker is the
/// only writer (ACLs are changed over the wire).
/// </summary>
public sealed class AclStore
{
    public const string FileName = "acls.json";

    private readonly string _path;
    private readonly Lock _gate = new();
    private List<AclBinding> _acls;

    public AclStore(string dataDir)
    {
        _path = System.IO.Path.Combine(dataDir, FileName);
        _acls = Read(_path);
    }

    public string FilePath => _path;

    /// <summary>A snapshot of every ACL (the authorizer reads this on each check).</summary>
    public IReadOnlyList<AclBinding> All
    {
        get
        {
            lock (_gate)
                return _acls;
        }
    }

    /// <summary>Adds the bindings not already present (adding an existing one is not an error, as in Kafka).</summary>
    public void Add(IReadOnlyCollection<AclBinding> bindings)
    {
        lock (_gate)
        {
            var next = new List<AclBinding>(_acls);
            foreach (var binding in bindings)
                if (!next.Contains(binding))
                    next.Add(binding);
            if (next.Count == _acls.Count)
                return;
            Save(next);
            _acls = next;
        }
    }

    /// <summary>Removes every binding matching any of the filters; returns, per filter, what it removed.</summary>
    public IReadOnlyList<IReadOnlyList<AclBinding>> Remove(IReadOnlyList<AclBindingFilter> filters)
    {
        lock (_gate)
        {
            var removed = filters.Select(f => (IReadOnlyList<AclBinding>)[.. _acls.Where(f.Matches)]).ToList();
            var next = _acls.Where(a => !filters.Any(f => f.Matches(a))).ToList();
            if (next.Count != _acls.Count)
            {
                Save(next);
                _acls = next;
            }
            return removed;
        }
    }

    public IReadOnlyList<AclBinding> Find(AclBindingFilter filter) => [.. All.Where(filter.Matches)];

    private void Save(List<AclBinding> acls)
    {
        var array = new JsonArray();
        foreach (var a in acls)
        {
            array.Add(new JsonObject
            {
                ["resourceType"] = AclNames.Format(a.ResourceType),
                ["resourceName"] = a.ResourceName,
                ["patternType"] = AclNames.Format(a.PatternType),
                ["principal"] = a.Principal,
                ["host"] = a.Host,
                ["operation"] = AclNames.Format(a.Operation),
                ["permission"] = AclNames.Format(a.Permission),
            });
        }
        var root = new JsonObject { ["version"] = 1, ["acls"] = array };
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        AtomicFile.WriteAllText(_path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static List<AclBinding> Read(string path)
    {
        var acls = new List<AclBinding>();
        if (!File.Exists(path))
            return acls;
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path));
            foreach (var node in root?["acls"]?.AsArray() ?? [])
            {
                var binding = new AclBinding(
                    AclNames.ParseResourceType((string)node!["resourceType"]!),
                    (string)node["resourceName"]!,
                    AclNames.ParsePatternType((string)node["patternType"]!),
                    (string)node["principal"]!,
                    (string)node["host"]!,
                    AclNames.ParseOperation((string)node["operation"]!),
                    AclNames.ParsePermission((string)node["permission"]!));
                if (binding.Validate() is { } error)
                    throw new InvalidDataException($"{path}: invalid ACL ({error})");
                acls.Add(binding);
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NullReferenceException)
        {
            throw new InvalidDataException($"{path} is not a valid ACL file: {ex.Message}", ex);
        }
        return acls;
    }
}
