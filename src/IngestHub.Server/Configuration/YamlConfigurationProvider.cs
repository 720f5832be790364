using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace IngestHub.Server.Configuration;

/// <summary>Flattens a YAML document into configuration keys: nested mappings join with ':', sequence items
/// get their index. A file that does not parse fails start-up with the file name, line and column.</summary>
public sealed class YamlConfigurationProvider(YamlConfigurationSource source) : FileConfigurationProvider(source)
{
    public override void Load(Stream stream)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(stream);
            yaml.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new FormatException($"Configuration file {Source.Path} is not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        if (yaml.Documents.Count > 0)
            Flatten(yaml.Documents[0].RootNode, prefix: null, data);
        Data = data;
    }

    private static void Flatten(YamlNode node, string? prefix, Dictionary<string, string?> data)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    string name = ((YamlScalarNode)key).Value ?? "";
                    Flatten(value, prefix is null ? name : prefix + ConfigurationPath.KeyDelimiter + name, data);
                }
                break;
            case YamlSequenceNode sequence:
                for (int i = 0; i < sequence.Children.Count; i++)
                    Flatten(sequence.Children[i], prefix + ConfigurationPath.KeyDelimiter + i, data);
                break;
            case YamlScalarNode scalar when prefix is not null:
                data[prefix] = scalar.Value;
                break;
        }
    }
}
