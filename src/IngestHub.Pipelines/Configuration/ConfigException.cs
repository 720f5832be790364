namespace IngestHub.Pipelines.Configuration;

/// <summary>Invalid connector configuration. The REST API answers 400 with the message, which names the key.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException() { }
    public ConfigException(string message) : base(message) { }
    public ConfigException(string message, Exception inner) : base(message, inner) { }
    public ConfigException(string key, string problem) : base($"{key}: {problem}") => Key = key;

    public string? Key { get; }
}
