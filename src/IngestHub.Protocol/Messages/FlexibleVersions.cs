namespace IngestHub.Protocol.Messages;

/// <summary>
/// The first flexible version (compact encodings, tagged fields, request header v2) of each API key (generated
/// from the declarations), and the header versions that follow from it.
/// </summary>
public static partial class FlexibleVersions
{
    /// <summary>Marks an API with no flexible version.</summary>
    public const short None = short.MaxValue;

    public static bool IsFlexible(ApiKey apiKey, short version) => version >= FirstFlexibleVersion(apiKey);

    /// <summary>Request header v2 for flexible requests, v1 otherwise (v0 only for ControlledShutdown v0).</summary>
    public static short RequestHeaderVersion(ApiKey apiKey, short version)
    {
        if (IsFlexible(apiKey, version))
            return 2;
        const short controlledShutdown = 7;
        return (short)apiKey == controlledShutdown && version == 0 ? (short)0 : (short)1;
    }

    /// <summary>Response header v1 for flexible responses, except ApiVersions whose response header is always
    /// v0 so a client can parse it before it knows which versions the broker speaks.</summary>
    public static short ResponseHeaderVersion(ApiKey apiKey, short version) =>
        apiKey != ApiKey.ApiVersions && IsFlexible(apiKey, version) ? (short)1 : (short)0;
}
