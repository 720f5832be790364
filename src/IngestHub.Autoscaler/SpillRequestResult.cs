namespace IngestHub.Autoscaler;

/// <summary>The answer to a manual spill or unspill: accepted, or refused with the reason (no reason: target unknown).</summary>
public sealed record SpillRequestResult(bool Accepted, string? Refusal)
{
    public static readonly SpillRequestResult NotFound = new(false, null);
}
