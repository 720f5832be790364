using System.Reflection;
using System.Text;
using System.Text.Json;

namespace IngestHub.Logging;

/// <summary>The <c>service</c> object written into every record, encoded once, and the default record key.</summary>
internal sealed class ServiceIdentity
{
    public ServiceIdentity(IngestHubLoggerOptions options)
    {
        Name = options.ServiceName
            ?? System.Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME")
            ?? Assembly.GetEntryAssembly()?.GetName().Name
            ?? "unknown_service";
        Instance = options.ServiceInstance ?? $"{System.Environment.MachineName}-{System.Environment.ProcessId}";
        Environment = options.Environment
            ?? System.Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
            ?? System.Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
            ?? "Production";
        EncodedName = JsonEncodedText.Encode(Name, LogRecordWriter.Encoder);
        EncodedInstance = JsonEncodedText.Encode(Instance, LogRecordWriter.Encoder);
        EncodedEnvironment = JsonEncodedText.Encode(Environment, LogRecordWriter.Encoder);
        Key = Encoding.UTF8.GetBytes(Name);
    }

    public string Name { get; }
    public string Instance { get; }
    public string Environment { get; }
    public JsonEncodedText EncodedName { get; }
    public JsonEncodedText EncodedInstance { get; }
    public JsonEncodedText EncodedEnvironment { get; }

    /// <summary>UTF-8 service name: the record key unless a key field is configured and present.</summary>
    public byte[] Key { get; }
}
