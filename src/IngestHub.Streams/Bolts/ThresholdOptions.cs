namespace IngestHub.Streams.Bolts;

/// <summary>Settings of a <see cref="ThresholdBolt"/>.</summary>
public sealed class ThresholdOptions
{
    /// <summary>The group keys of the window results (tuple fields), e.g. <c>service</c>.</summary>
    public IReadOnlyList<string> Key { get; set; } = [];

    /// <summary>Result fields counted as the numerator, e.g. <c>ERROR</c>.</summary>
    public IReadOnlyList<string> Numerator { get; set; } = [];

    /// <summary>Result fields of the denominator; empty means every numeric field of the result (the total).</summary>
    public IReadOnlyList<string> Denominator { get; set; } = [];

    /// <summary>The share above which the alert fires (0..1).</summary>
    public double Above { get; set; } = 0.1;

    /// <summary>Windows with a smaller denominator are not judged (too little traffic).</summary>
    public double MinimumTotal { get; set; } = 1;

    /// <summary>Also emit a <c>resolved</c> record when the share falls back to or below the threshold.</summary>
    public bool EmitResolved { get; set; } = true;
}
