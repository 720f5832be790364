using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace IngestHub.Cli;

/// <summary>How the CLI authenticates to the appliance's HTTP API: a bearer token or a basic user, and a CA file
/// to trust for https (else the system's roots).</summary>
public sealed record HttpApiCredentials(string? Token, string? User, string? Password, string? CaFile)
{
    public const string TokenVariable = "INGESTHUB_TOKEN";
    public const string UserVariable = "INGESTHUB_USER";
    public const string PasswordVariable = "INGESTHUB_PASSWORD";
    public const string CaFileVariable = "INGESTHUB_CA_FILE";

    public static readonly HttpApiCredentials None = new(null, null, null, null);

    /// <summary>From INGESTHUB_TOKEN, INGESTHUB_USER (NAME or NAME:PASSWORD), INGESTHUB_PASSWORD and INGESTHUB_CA_FILE.</summary>
    public static HttpApiCredentials FromEnvironment() => Parse(Env(TokenVariable), Env(UserVariable), Env(CaFileVariable));

    /// <summary>A token, or a user given as NAME:PASSWORD or NAME (password from INGESTHUB_PASSWORD); not both.</summary>
    public static HttpApiCredentials Parse(string? token, string? user, string? caFile)
    {
        if (token is not null && user is not null)
            throw new CliException("give either --token or --user, not both", 2);
        string? password = null;
        if (user is not null)
        {
            int colon = user.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                password = user[(colon + 1)..];
                user = user[..colon];
            }
            else
                password = Env(PasswordVariable)
                    ?? throw new CliException($"--user {user}: no password; give --user NAME:PASSWORD or set {PasswordVariable}", 2);
            if (user.Length == 0)
                throw new CliException("--user: the user name is empty", 2);
        }
        return new HttpApiCredentials(token, user, password, caFile);
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    public AuthenticationHeaderValue? Header => Token is not null
        ? new AuthenticationHeaderValue("Bearer", Token)
        : User is not null
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")))
            : null;

    // The password and token never appear in a message or a dump of this record.
    public override string ToString() => Token is not null ? "token ***" : User is not null ? $"user {User}" : "no credentials";
}

/// <summary>
/// The options every command calling the HTTP API shares: <c>--url</c> (INGESTHUB_URL), <c>--token</c>
/// (INGESTHUB_TOKEN), <c>--user NAME[:PASSWORD]</c> (INGESTHUB_USER, INGESTHUB_PASSWORD) and <c>--ca-file</c>
/// (INGESTHUB_CA_FILE), and the <see cref="HttpClient"/> they configure.
/// </summary>
public sealed class HttpApiOptions
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public HttpApiOptions(params string[] urlAliases)
    {
        Url = new Option<string>("--url", urlAliases)
        {
            Description = "The appliance's HTTP address (env INGESTHUB_URL)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("INGESTHUB_URL") is { Length: > 0 } url ? url : DefaultUrl,
        };
        Token = new Option<string?>("--token")
        {
            Description = $"Bearer token for the HTTP API (env {HttpApiCredentials.TokenVariable})",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(HttpApiCredentials.TokenVariable) is { Length: > 0 } token ? token : null,
        };
        User = new Option<string?>("--user")
        {
            Description = $"Basic user for the HTTP API, NAME:PASSWORD or NAME with the password in {HttpApiCredentials.PasswordVariable} (env {HttpApiCredentials.UserVariable})",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(HttpApiCredentials.UserVariable) is { Length: > 0 } user ? user : null,
        };
        CaFile = new Option<string?>("--ca-file")
        {
            Description = $"PEM file of the CA that signed the appliance's https certificate (env {HttpApiCredentials.CaFileVariable})",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(HttpApiCredentials.CaFileVariable) is { Length: > 0 } file ? file : null,
        };
    }

    public Option<string> Url { get; }
    public Option<string?> Token { get; }
    public Option<string?> User { get; }
    public Option<string?> CaFile { get; }

    /// <summary>Adds the four options to <paramref name="command"/>; returns it.</summary>
    public Command AddTo(Command command)
    {
        command.Options.Add(Url);
        command.Options.Add(Token);
        command.Options.Add(User);
        command.Options.Add(CaFile);
        return command;
    }

    public string UrlOf(ParseResult result) => result.GetValue(Url)!;

    public HttpApiCredentials CredentialsOf(ParseResult result) =>
        HttpApiCredentials.Parse(result.GetValue(Token), result.GetValue(User), result.GetValue(CaFile));

    /// <summary>A client for <c>--url</c> carrying the credentials on every request.</summary>
    public HttpClient CreateClient(ParseResult result, TimeSpan timeout) => CreateClient(UrlOf(result), CredentialsOf(result), timeout);

    public static Uri ParseUrl(string url)
    {
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"--url must be an http(s) address such as {DefaultUrl}, not '{url}'", 2);
        return uri;
    }

#pragma warning disable CA2000 // the client owns and disposes its handler
    public static HttpClient CreateClient(string url, HttpApiCredentials credentials, TimeSpan timeout)
    {
        var uri = ParseUrl(url);
        var handler = new SocketsHttpHandler();
        if (credentials.CaFile is { } caFile)
        {
            var roots = LoadCa(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => ChainsTo(roots, certificate, errors);
        }
        var http = new HttpClient(handler, disposeHandler: true) { BaseAddress = uri, Timeout = timeout };
        if (credentials.Header is { } header)
            http.DefaultRequestHeaders.Authorization = header;
        return http;
    }
#pragma warning restore CA2000

    /// <summary>The hint added to a 401 or 403 answer's message.</summary>
    public static string Explain(HttpStatusCode status, string message) => status switch
    {
        HttpStatusCode.Unauthorized => $"{message} (pass --token or --user, or set {HttpApiCredentials.TokenVariable})",
        HttpStatusCode.Forbidden => $"{message} (the credentials' role may not do this; admin is needed for changes)",
        _ => message,
    };

    private static X509Certificate2Collection LoadCa(string file)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new CliException($"--ca-file {file}: {ex.Message}", 2);
        }
        if (roots.Count == 0)
            throw new CliException($"--ca-file {file}: no PEM certificate in it", 2);
        return roots;
    }

    private static bool ChainsTo(X509Certificate2Collection roots, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
