namespace IngestHub.Pipelines.Events;

/// <summary>A parsed field reference: <c>a.b.c</c> or <c>[a][b][c]</c>; a leading <c>@metadata</c> part
/// addresses the event's metadata.</summary>
public readonly record struct FieldReference(string[] Parts, bool IsMetadata)
{
    public const string MetadataRoot = "@metadata";

    public static FieldReference Parse(string reference)
    {
        if (string.IsNullOrWhiteSpace(reference))
            throw new ArgumentException("empty field reference", nameof(reference));
        string[] parts;
        if (reference.StartsWith('['))
        {
            if (!reference.EndsWith(']'))
                throw new ArgumentException($"field reference {reference} is not of the form [a][b]", nameof(reference));
            parts = reference[1..^1].Split("][", StringSplitOptions.None);
        }
        else
        {
            parts = reference == LogEvent.TimestampField ? [reference] : reference.Split('.');
        }
        foreach (var part in parts)
            if (part.Length == 0)
                throw new ArgumentException($"field reference {reference} has an empty part", nameof(reference));
        if (parts[0] == MetadataRoot)
        {
            if (parts.Length == 1)
                throw new ArgumentException("@metadata alone is not a field", nameof(reference));
            return new FieldReference(parts[1..], true);
        }
        return new FieldReference(parts, false);
    }

    /// <summary>Parses without throwing; false for empty or malformed references.</summary>
    public static bool TryParse(string? reference, out FieldReference result)
    {
        result = default;
        if (string.IsNullOrWhiteSpace(reference))
            return false;
        try
        {
            result = Parse(reference);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public bool Equals(FieldReference other) =>
        IsMetadata == other.IsMetadata && (Parts ?? []).AsSpan().SequenceEqual(other.Parts ?? []);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(IsMetadata);
        foreach (var part in Parts ?? [])
            hash.Add(part, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    public override string ToString() => (IsMetadata ? "[@metadata]" : "") + "[" + string.Join("][", Parts) + "]";
}
