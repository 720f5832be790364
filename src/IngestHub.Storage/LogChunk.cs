using Microsoft.Win32.SafeHandles;

namespace IngestHub.Storage;

/// <summary>A byte range of one segment file: whole batches a fetch response can copy as they are.</summary>
public readonly record struct LogChunk(SafeFileHandle File, long Position, int Length);
