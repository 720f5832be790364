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
}
