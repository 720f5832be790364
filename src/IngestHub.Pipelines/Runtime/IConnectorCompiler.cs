using System.Text.Json.Nodes;
using IngestHub.Pipelines.Sinks;

namespace IngestHub.Pipelines.Runtime;

/// <summary>Turns a connector's configuration into what the runtime runs; throws
/// <see cref="Configuration.ConfigException"/> naming the key when the configuration is invalid.</summary>
public interface IConnectorCompiler
{
    CompiledConnector Compile(string name, JsonObject config);
}

/// <summary>A validated connector: runtime settings, the record processor (codec + filters) and a sink factory.</summary>
public sealed record CompiledConnector(ConnectorSettings Settings, IRecordProcessor Processor, Func<ISink> CreateSink);
