using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace IngestHub.Pipelines.Configuration;

/// <summary>
/// Which connector settings hold secrets, and how they are shown. A setting whose key names a secret
/// (<c>password</c>, <c>api_key</c>, <c>token</c>, <c>secret</c>, <c>credentials</c>…) is shown with its literal text
/// replaced by <see cref="Hidden"/>, while <c>${VAR}</c> references stay visible; so are the password of a URL
/// (<c>https://user:pw@host</c>) and a <c>password=</c> item of a connection string. Sending a masked value back
/// (GET, edit, PUT) keeps the stored secret.
/// </summary>
public static partial class ConfigSecrets
{
    public const string Hidden = "[hidden]";

    private static readonly string[] SecretWords = ["password", "passwd", "passphrase", "secret", "token", "apikey", "credential", "privatekey"];

    [GeneratedRegex(@"(?<=(?:^|[,;\s])(?:password|pwd)\s*=\s*)[^,;]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex(@"(?<=^[a-zA-Z][a-zA-Z0-9+.-]*://[^/@:]*:)[^/@]*(?=@)", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();

    /// <summary>True when a setting named <paramref name="key"/> (the last part of its path) holds a secret.</summary>
    public static bool IsSecretKey(string key)
    {
        Span<char> normalized = stackalloc char[Math.Min(key.Length, 128)];
        int n = 0;
        foreach (char c in key)
        {
            if (n == normalized.Length)
                break;
            if (char.IsAsciiLetterOrDigit(c))
                normalized[n++] = char.ToLowerInvariant(c);
        }
        ReadOnlySpan<char> text = normalized[..n];
        // A key naming a file or path holds where the secret is, not the secret.
        if (text.EndsWith("file", StringComparison.Ordinal) || text.EndsWith("path", StringComparison.Ordinal))
            return false;
        if (text.SequenceEqual("pass") || text.EndsWith("auth", StringComparison.Ordinal))
            return true;
        foreach (var word in SecretWords)
            if (text.Contains(word, StringComparison.Ordinal))
                return true;
        return false;
    }

    /// <summary>A copy of <paramref name="config"/> fit to show: secrets masked, references kept.</summary>
    public static JsonObject Mask(JsonObject config) => (JsonObject)MaskNode(config, secret: false)!;

    private static JsonNode? MaskNode(JsonNode? node, bool secret)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                    copy[key] = MaskNode(value, secret || IsSecretKey(key));
                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array)
                    items.Add(MaskNode(item, secret));
                return items;
            case JsonValue value when value.TryGetValue(out string? text):
                return JsonValue.Create(secret ? MaskSecret(text) : MaskEmbedded(text));
            case JsonValue when secret:
                return JsonValue.Create(Hidden); // a number or boolean given as a password
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>The secret values of an expanded configuration (what error messages must not show), longest first.</summary>
    public static IReadOnlyList<string> Values(JsonObject expanded)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        Collect(expanded, secret: false, values);
        return [.. values.Where(v => v.Length >= 3).OrderByDescending(v => v.Length)];
    }

    private static void Collect(JsonNode? node, bool secret, HashSet<string> values)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                    Collect(value, secret || IsSecretKey(key), values);
                break;
            case JsonArray array:
                foreach (var item in array)
                    Collect(item, secret, values);
                break;
            case JsonValue value when value.TryGetValue(out string? text):
                if (secret)
                    values.Add(text);
                foreach (Match m in UrlPassword().Matches(text))
                {
                    values.Add(m.Value);
                    values.Add(Uri.UnescapeDataString(m.Value)); // as a client may print it after decoding
                }
                foreach (Match m in ConnectionStringPassword().Matches(text))
                    values.Add(m.Value.TrimEnd());
                break;
            case JsonValue value when secret:
                values.Add(value.ToJsonString());
                break;
        }
    }

    /// <summary><paramref name="text"/> with every one of <paramref name="secrets"/> replaced by <see cref="Hidden"/>.</summary>
    public static string Redact(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
            if (text.Contains(secret, StringComparison.Ordinal))
                text = text.Replace(secret, Hidden, StringComparison.Ordinal);
        return text;
    }

    /// <summary>A secret's shown form: literal text hidden, <c>${VAR}</c> references kept, fallbacks hidden.</summary>
    public static string MaskSecret(string value)
    {
        if (value.Length == 0)
            return value;
        List<ConfigVariables.Part> parts;
        try
        {
            parts = ConfigVariables.Parse(value, "");
        }
        catch (ConfigException)
        {
            return Hidden;
        }
        var shown = new StringBuilder();
        bool lastHidden = false;
        foreach (var part in parts)
        {
            if (part.Variable is null)
            {
                if (!lastHidden)
                    shown.Append(Hidden);
                lastHidden = true;
                continue;
            }
            shown.Append("${").Append(part.Variable);
            if (part.Fallback is not null)
                shown.Append(":-").Append(part.Fallback.Length == 0 ? "" : Hidden);
            shown.Append('}');
            lastHidden = false;
        }
        return shown.ToString();
    }

    /// <summary>Hides the password of a URL or of a connection string's <c>password=</c> item.</summary>
    public static string MaskEmbedded(string value)
    {
        if (value.Contains('@', StringComparison.Ordinal) && value.Contains("://", StringComparison.Ordinal))
            value = UrlPassword().Replace(value, m => MaskSecret(m.Value));
        if (value.Contains('=', StringComparison.Ordinal))
            value = ConnectionStringPassword().Replace(value, m => MaskSecret(m.Value.TrimEnd()));
        return value;
    }

    /// <summary>
    /// Puts the stored secrets back where <paramref name="incoming"/> carries their masked form (a configuration
    /// that was read from the API, edited and sent back). A secret that still reads <see cref="Hidden"/> afterwards
    /// has nothing to restore from: that is a <see cref="ConfigException"/> rather than a password "[hidden]".
    /// </summary>
    public static JsonObject RestoreMasked(JsonObject incoming, JsonObject? current)
    {
        var result = (JsonObject)incoming.DeepClone();
        Restore(result, current, "", secret: false);
        return result;
    }

    private static void Restore(JsonNode node, JsonNode? current, string path, bool secret)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    var child = obj[key];
                    var stored = (current as JsonObject)?[key];
                    string childPath = path.Length == 0 ? key : path + "." + key;
                    if (Restored(child, stored, secret || IsSecretKey(key), childPath) is { } restored)
                        obj[key] = restored;
                    else if (child is not null)
                        Restore(child, stored, childPath, secret || IsSecretKey(key));
                }
                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    var stored = current is JsonArray a && i < a.Count ? a[i] : null;
                    if (Restored(array[i], stored, secret, $"{path}[{i}]") is { } restored)
                        array[i] = restored;
                    else if (array[i] is { } item)
                        Restore(item, stored, $"{path}[{i}]", secret);
                }
                break;
        }
    }

    private static JsonNode? Restored(JsonNode? given, JsonNode? stored, bool secret, string path)
    {
        if (given is not JsonValue value || !value.TryGetValue(out string? text) || !text.Contains(Hidden, StringComparison.Ordinal))
            return null;
        if (stored is JsonValue storedValue)
        {
            string shown = storedValue.TryGetValue(out string? storedText)
                ? secret ? MaskSecret(storedText) : MaskEmbedded(storedText)
                : secret ? Hidden : storedValue.ToJsonString();
            if (shown == text)
                return storedValue.DeepClone();
        }
        if (secret)
            throw new ConfigException(path, $"holds the masked value {Hidden} but there is no stored secret to keep here: send the secret itself or a ${{VAR}} reference");
        return null;
    }
}
