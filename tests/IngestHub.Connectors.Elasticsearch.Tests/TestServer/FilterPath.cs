using System.Text.Json.Nodes;

namespace IngestHub.Connectors.Elasticsearch.Tests.TestServer;

/// <summary>Elasticsearch's <c>filter_path</c> response filtering: comma-separated dotted paths whose segments
/// may hold <c>*</c> wildcards; arrays are walked through without using up a segment; objects left empty vanish.</summary>
internal static class FilterPath
{
    public static JsonNode? Apply(JsonNode? node, string filter)
    {
        var paths = new List<string[]>();
        foreach (var path in filter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            paths.Add(path.Split('.'));
        return Filter(node, paths, 0) ?? new JsonObject();
    }

    private static JsonNode? Filter(JsonNode? node, List<string[]> paths, int depth)
    {
        switch (node)
        {
            case JsonArray array:
            {
                var kept = new JsonArray();
                foreach (var element in array)
                    if (Filter(element, paths, depth) is { } e)
                        kept.Add(e);
                return kept.Count == 0 ? null : kept;
            }
            case JsonObject obj:
            {
                var kept = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    var deeper = new List<string[]>();
                    bool whole = false;
                    foreach (var path in paths)
                    {
                        if (depth >= path.Length || !Matches(path[depth], name))
                            continue;
                        if (depth == path.Length - 1)
                            whole = true;
                        else
                            deeper.Add(path);
                    }
                    if (whole)
                        kept[name] = value?.DeepClone();
                    else if (deeper.Count > 0 && Filter(value, deeper, depth + 1) is { } filtered)
                        kept[name] = filtered;
                }
                return kept.Count == 0 ? null : kept;
            }
            default:
                return null; // a scalar below an unfinished path does not match
        }
    }

    private static bool Matches(string segment, string name)
    {
        if (segment == "*")
            return true;
        int star = segment.IndexOf('*', StringComparison.Ordinal);
        if (star < 0)
            return segment == name;
        return name.StartsWith(segment[..star], StringComparison.Ordinal) && name.EndsWith(segment[(star + 1)..], StringComparison.Ordinal)
            && name.Length >= segment.Length - 1;
    }
}
