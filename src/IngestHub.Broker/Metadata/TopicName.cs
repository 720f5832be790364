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

    /// <summary>Internal topics are not auto-created by clients and are flagged is_internal in Metadata.</summary>
    public static bool IsInternal(string name) => name.StartsWith("__", StringComparison.Ordinal);
}
