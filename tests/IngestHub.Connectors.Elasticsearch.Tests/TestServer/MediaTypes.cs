namespace IngestHub.Connectors.Elasticsearch.Tests.TestServer;

/// <summary>
/// Elasticsearch's content negotiation: plain <c>application/json</c> (<c>application/x-ndjson</c> for bulk bodies)
/// or the versioned <c>application/vnd.elasticsearch+json; compatible-with=N</c> types that the official clients
/// send. A 9.x node accepts compatible-with 8 and 9; when either header asks for a compatible version, a request
/// with a body must ask for the same one in both. Answers come in the versioned type when it was accepted.
/// </summary>
internal static class MediaTypes
{
    public const int ServerMajor = 9;

    /// <summary>Checks Accept and (when <paramref name="hasBody"/>) Content-Type against the
    /// <paramref name="bodyType"/> (<c>json</c> or <c>x-ndjson</c>). Returns the response Content-Type, or null
    /// with <paramref name="status"/> and <paramref name="type"/>/<paramref name="reason"/> of the ES error.</summary>
    public static string? Negotiate(string? accept, string? contentType, bool hasBody, string bodyType, out int status, out string type, out string reason)
    {
        status = 0;
        type = reason = "";
        if (!TryParseAccept(accept, out int? acceptVersion))
        {
            (status, type, reason) = (406, "media_type_header_exception", $"Accept header [{accept}] is not supported");
            return null;
        }
        int? contentVersion = null;
        if (hasBody)
        {
            if (!TryParse(contentType, out string? subtype, out contentVersion) || subtype != bodyType)
            {
                (status, type, reason) = (406, "media_type_header_exception", $"Content-Type header [{contentType}] is not supported");
                return null;
            }
        }
        if (acceptVersion is { } a && !Supported(a) || contentVersion is { } c && !Supported(c))
        {
            (status, type, reason) = (400, "media_type_header_exception",
                $"Invalid media-type value on headers [Accept, Content-Type]: compatible-with must be {ServerMajor - 1} or {ServerMajor}");
            return null;
        }
        if (hasBody && (acceptVersion.HasValue || contentVersion.HasValue) && acceptVersion != contentVersion)
        {
            (status, type, reason) = (400, "media_type_header_exception",
                $"A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version and the compatible versions must match. Accept={accept}, Content-Type={contentType}");
            return null;
        }
        int? version = acceptVersion ?? contentVersion;
        return version is { } v ? $"application/vnd.elasticsearch+json;compatible-with={v}" : "application/json";
    }

    private static bool Supported(int version) => version is ServerMajor or ServerMajor - 1;

    private static bool TryParseAccept(string? accept, out int? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(accept))
            return true;
        foreach (var entry in accept.Split(','))
        {
            string trimmed = entry.Trim();
            if (trimmed.StartsWith("*/*", StringComparison.Ordinal) || trimmed.StartsWith("application/*", StringComparison.Ordinal))
                return true;
            if (TryParse(trimmed, out string? subtype, out version) && subtype == "json")
                return true;
        }
        return false;
    }

    /// <summary>"application/json", "application/x-ndjson; charset=UTF-8" or
    /// "application/vnd.elasticsearch+json; compatible-with=9" → subtype (json, x-ndjson) and version.</summary>
    private static bool TryParse(string? mediaType, out string? subtype, out int? version)
    {
        subtype = null;
        version = null;
        if (string.IsNullOrWhiteSpace(mediaType))
            return false;
        var parts = mediaType.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        string main = parts[0].ToLowerInvariant();
        bool vendor = main.StartsWith("application/vnd.elasticsearch+", StringComparison.Ordinal);
        if (vendor)
            subtype = main["application/vnd.elasticsearch+".Length..];
        else if (main.StartsWith("application/", StringComparison.Ordinal))
            subtype = main["application/".Length..];
        else
            return false;
        foreach (var parameter in parts.AsSpan(1))
        {
            var pair = parameter.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length == 2 && pair[0].Equals("compatible-with", StringComparison.OrdinalIgnoreCase))
            {
                if (!vendor || !int.TryParse(pair[1], out int v))
                    return false;
                version = v;
            }
        }
        return !vendor || version.HasValue;
    }
}
