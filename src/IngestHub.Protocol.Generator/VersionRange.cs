using System;

namespace IngestHub.Protocol.Generator;

/// <summary>An inclusive range of message versions; <c>N+</c> is open-ended (<see cref="short.MaxValue"/>).</summary>
internal readonly struct VersionRange : IEquatable<VersionRange>
{
    public const short Open = short.MaxValue;
    public static readonly VersionRange None = new(1, 0);
    public static readonly VersionRange All = new(0, Open);

    public VersionRange(short lowest, short highest)
    {
        Lowest = lowest;
        Highest = highest;
    }

    public short Lowest { get; }
    public short Highest { get; }
    public bool IsEmpty => Lowest > Highest;

    public bool Contains(short version) => version >= Lowest && version <= Highest;

    public bool Covers(VersionRange other) => other.IsEmpty || (!IsEmpty && Lowest <= other.Lowest && Highest >= other.Highest);

    public VersionRange Intersect(VersionRange other)
    {
        var result = new VersionRange(Math.Max(Lowest, other.Lowest), Math.Min(Highest, other.Highest));
        return result.IsEmpty ? None : result;
    }

    /// <summary>Parses <c>3+</c>, <c>3-7</c>, <c>3</c> or <c>none</c>.</summary>
    public static bool TryParse(string text, out VersionRange range)
    {
        range = None;
        if (text == "none")
            return true;
        if (text.EndsWith("+", StringComparison.Ordinal))
        {
            if (!short.TryParse(text.Substring(0, text.Length - 1), out short from))
                return false;
            range = new VersionRange(from, Open);
            return true;
        }
        int dash = text.IndexOf('-');
        if (dash > 0)
        {
            if (!short.TryParse(text.Substring(0, dash), out short low) || !short.TryParse(text.Substring(dash + 1), out short high) || low > high)
                return false;
            range = new VersionRange(low, high);
            return true;
        }
        if (!short.TryParse(text, out short only))
            return false;
        range = new VersionRange(only, only);
        return true;
    }

    /// <summary>A C# condition on <c>version</c> that holds inside this range, given that the version lies in
    /// <paramref name="within"/> (so bounds the enclosing range already guarantees are left out).</summary>
    public string Condition(VersionRange within)
    {
        if (IsEmpty)
            return "false";
        bool lowNeeded = Lowest > within.Lowest;
        bool highNeeded = Highest < within.Highest;
        if (!lowNeeded && !highNeeded)
            return "true";
        if (Lowest == Highest)
            return $"version == {Lowest}";
        if (lowNeeded && highNeeded)
            return $"version >= {Lowest} && version <= {Highest}";
        return lowNeeded ? $"version >= {Lowest}" : $"version <= {Highest}";
    }

    public bool Equals(VersionRange other) => Lowest == other.Lowest && Highest == other.Highest;
    public override bool Equals(object? obj) => obj is VersionRange other && Equals(other);
    public override int GetHashCode() => (Lowest * 397) ^ Highest;

    public override string ToString() => IsEmpty ? "none" : Highest == Open ? $"{Lowest}+" : Lowest == Highest ? $"{Lowest}" : $"{Lowest}-{Highest}";
}
