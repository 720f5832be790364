namespace IngestHub.Client;

/// <summary><c>auto.offset.reset</c>: where to start when there is no committed offset or it is out of range.</summary>
public enum AutoOffsetReset
{
    Latest,
    Earliest,
    /// <summary>Fail with OFFSET_OUT_OF_RANGE instead of resetting.</summary>
    None,
}
