namespace IngestHub.Broker.Metadata;

/// <summary>Kafka's topic name rules: 1–249 characters of [a-zA-Z0-9._-], not "." or "..".</summary>
public static class TopicName
{
    public const int MaxLength = 249;

    public static bool IsValid(string? name, out string reason)
    {
        reason = "";
        if (string.IsNullOrEmpty(name))
        {
            reason = "Topic name is empty";
            return false;
        }
        if (name is "." or "..")
        {
            reason = $"Topic name cannot be \"{name}\"";
            return false;
        }
        if (name.Length > MaxLength)
        {
            reason = $"Topic name is longer than {MaxLength} characters";
            return false;
        }
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                reason = $"Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
                return false;
            }
        }
        return true;
    }

    /// <summary>The group coordinator's committed offsets and group metadata, in Kafka's record formats.</summary>
    public const string ConsumerOffsets = "__consumer_offsets";

    /// <summary>Topics the broker itself writes and owns: clients may read them, never produce to them, delete them
    /// or their records, or add partitions to them.</summary>
    public static bool IsBrokerOwned(string name) => name == ConsumerOffsets;

    /// <summary>Internal topics are not auto-created by clients and are flagged is_internal in Metadata.</summary>
    public static bool IsInternal(string name) => name.StartsWith("__", StringComparison.Ordinal);
}
