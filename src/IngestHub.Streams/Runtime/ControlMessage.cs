namespace IngestHub.Streams.Runtime;

/// <summary>One acking-protocol message; a value type so batches of them allocate nothing.</summary>
internal readonly record struct ControlMessage(ControlKind Kind, long Root, long Value, int Task);
