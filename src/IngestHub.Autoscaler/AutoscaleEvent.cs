using System.Text.Json.Nodes;

namespace IngestHub.Autoscaler;

/// <summary>One decision or phase change of a target: what happened (<see cref="Kind"/>: scale_up, scale_down,
/// scale_down_deferred, stall, stall_cleared, hot_partition, spill_start, spill_relaying, spill_cutoff,
/// spill_scale, spill_done, error), the worker counts before and after, the reason in words, and the inputs it was
/// decided on.</summary>
public sealed record AutoscaleEvent(long AtMs, string Target, string Kind, string Phase, int? From, int? To, string Reason, JsonObject Inputs)
{
    public JsonObject ToJson() => new()
    {
        ["at"] = AtMs,
        ["target"] = Target,
        ["kind"] = Kind,
        ["phase"] = Phase,
        ["from"] = From,
        ["to"] = To,
        ["reason"] = Reason,
        ["inputs"] = Inputs.DeepClone(),
    };
}
