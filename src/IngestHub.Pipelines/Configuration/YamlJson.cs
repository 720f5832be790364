using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IngestHub.Pipelines.Configuration;

/// <summary>Converts a YAML document to JSON so YAML files and REST bodies share one parser. Plain scalars
/// follow the YAML 1.2 core schema (null, true/false, integers, floats); quoted scalars stay strings.</summary>
public static partial class YamlJson
{
    [GeneratedRegex(@"^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    public static JsonObject ParseObject(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new ConfigException($"invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        if (stream.Documents.Count != 1)
            throw new ConfigException($"expected one YAML document, found {stream.Documents.Count}");
        return Convert(stream.Documents[0].RootNode, "") as JsonObject
            ?? throw new ConfigException("the YAML document must be a mapping of keys");
    }

    private static JsonNode? Convert(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (keyNode, valueNode) in map.Children)
                {
                    var key = keyNode is YamlScalarNode k ? k.Value ?? "" : throw new ConfigException(path, "keys must be scalars");
                    var childPath = path.Length == 0 ? key : path + "." + key;
                    if (obj.ContainsKey(key))
                        throw new ConfigException(childPath, "is given twice");
                    obj[key] = Convert(valueNode, childPath);
                }
                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                int i = 0;
                foreach (var item in seq.Children)
                    array.Add(Convert(item, $"{path}[{i++}]"));
                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new ConfigException(path, "unsupported YAML node");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
            return JsonValue.Create(text);
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }
        if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
            return JsonValue.Create(l);
        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
            return JsonValue.Create(d);
        return JsonValue.Create(text);
    }

    /// <summary>Writes a JSON object as a YAML document that <see cref="ParseObject"/> reads back to the same JSON:
    /// a string that would read as another type (<c>"true"</c>, <c>"8080"</c>) or is empty is quoted.</summary>
    public static string Write(JsonObject root)
    {
        var stream = new YamlStream(new YamlDocument(ToYaml(root)));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // The emitter closes the document with "..."; a pipelines/ file is one document.
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text.EndsWith("...\r\n", StringComparison.Ordinal) ? text[..^5] : text;
    }

    private static YamlNode ToYaml(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var map = new YamlMappingNode();
                foreach (var (key, value) in obj)
                    map.Add(new YamlScalarNode(key), ToYaml(value));
                return map;
            case JsonArray array:
                var seq = new YamlSequenceNode();
                foreach (var item in array)
                    seq.Add(ToYaml(item));
                return seq;
            case null:
                return new YamlScalarNode("null") { Style = ScalarStyle.Plain };
            case JsonValue v when v.TryGetValue(out string? text):
                var plain = new YamlScalarNode(text) { Style = ScalarStyle.Plain };
                bool readsBack = text.Length > 0 && Scalar(plain) is JsonValue back && back.TryGetValue(out string? same) && same == text;
                return new YamlScalarNode(text) { Style = readsBack ? ScalarStyle.Any : ScalarStyle.DoubleQuoted };
            default:
                return new YamlScalarNode(node.ToJsonString()) { Style = ScalarStyle.Plain };
        }
    }
}
