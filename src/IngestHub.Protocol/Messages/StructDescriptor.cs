namespace IngestHub.Protocol.Messages;

/// <summary>A message body or nested struct as declared: its C# type and its fields in wire order (tagged fields included).</summary>
public sealed record StructDescriptor(Type Type, IReadOnlyList<FieldDescriptor> Fields);
