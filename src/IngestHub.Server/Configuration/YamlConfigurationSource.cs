using Microsoft.Extensions.Configuration;

namespace IngestHub.Server.Configuration;

/// <summary>Adds a YAML file (ingesthub.yaml) to the configuration; mapping keys become ':'-joined paths.</summary>
public sealed class YamlConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new YamlConfigurationProvider(this);
    }
}
