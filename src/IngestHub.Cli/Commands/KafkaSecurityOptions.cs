using System.CommandLine;
using IngestHub.Client;

namespace IngestHub.Cli.Commands;

/// <summary>
/// How a data command connects: Kafka's client property names (<c>security.protocol</c>, <c>sasl.mechanism</c>,
/// <c>sasl.username</c>, <c>sasl.password</c>, <c>ssl.ca.location</c>, <c>ssl.certificate.location</c>,
/// <c>ssl.key.location</c>, <c>ssl.endpoint.identification.algorithm</c>) given as options, as <c>-X key=value</c>
/// (as kcat takes them) or in a <c>--command-config</c> properties file (as Kafka's tools take them). Options win
/// over <c>-X</c>, which wins over the file; the password may also come from <c>INGESTHUB_SASL_PASSWORD</c>.
/// Combinations a broker would refuse later (SASL settings without SASL, a certificate without its key, a file that
/// does not exist) are refused before connecting.
/// </summary>
public sealed class KafkaSecurityOptions
{
    public const string PasswordVariable = "INGESTHUB_SASL_PASSWORD";

    private static readonly string[] s_protocols = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];
    private static readonly string[] s_mechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

    /// <summary>The property names understood; <c>sasl.mechanisms</c> (librdkafka's spelling) is the same as <c>sasl.mechanism</c>.</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "security.protocol", "sasl.mechanism", "sasl.username", "sasl.password", "ssl.ca.location",
        "ssl.certificate.location", "ssl.key.location", "ssl.endpoint.identification.algorithm",
    ];

    public Option<string?> SecurityProtocol { get; } = new("--security-protocol") { Description = "security.protocol: PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL" };
    public Option<string?> SaslMechanism { get; } = new("--sasl-mechanism") { Description = "sasl.mechanism: PLAIN (default), SCRAM-SHA-256 or SCRAM-SHA-512" };
    public Option<string?> SaslUsername { get; } = new("--sasl-username") { Description = "sasl.username" };
    public Option<string?> SaslPassword { get; } = new("--sasl-password") { Description = $"sasl.password (else the {PasswordVariable} environment variable)" };
    public Option<string?> SslCaLocation { get; } = new("--ssl-ca-location") { Description = "ssl.ca.location: PEM file of the CA that signed the broker's certificate (default: the system trust store)" };
    public Option<string?> SslCertificateLocation { get; } = new("--ssl-certificate-location") { Description = "ssl.certificate.location: PEM client certificate, for brokers that ask for one" };
    public Option<string?> SslKeyLocation { get; } = new("--ssl-key-location") { Description = "ssl.key.location: PEM key of the client certificate" };
    public Option<string[]> Properties { get; } = new("-X") { Description = "Client property key=value, e.g. -X security.protocol=SASL_SSL (repeatable; " + string.Join(", ", Keys) + ")" };
    public Option<FileInfo?> CommandConfig { get; } = new("--command-config") { Description = "Properties file (key=value lines, # comments) with the same client properties" };

    public IEnumerable<Option> All =>
        [SecurityProtocol, SaslMechanism, SaslUsername, SaslPassword, SslCaLocation, SslCertificateLocation, SslKeyLocation, Properties, CommandConfig];

    public void AddTo(Command command)
    {
        foreach (var option in All)
            command.Options.Add(option);
    }

    /// <summary>The properties as given (file, then -X, then options), validated; throws <see cref="CliException"/> (exit 2) otherwise.</summary>
    public Dictionary<string, string> Resolve(ParseResult result) =>
        Resolve(result.GetValue(CommandConfig), result.GetValue(Properties), new Dictionary<string, string?>
        {
            ["security.protocol"] = result.GetValue(SecurityProtocol),
            ["sasl.mechanism"] = result.GetValue(SaslMechanism),
            ["sasl.username"] = result.GetValue(SaslUsername),
            ["sasl.password"] = result.GetValue(SaslPassword),
            ["ssl.ca.location"] = result.GetValue(SslCaLocation),
            ["ssl.certificate.location"] = result.GetValue(SslCertificateLocation),
            ["ssl.key.location"] = result.GetValue(SslKeyLocation),
        }, Environment.GetEnvironmentVariable(PasswordVariable));

    /// <summary>Copies the resolved properties onto <paramref name="options"/>.</summary>
    public T Apply<T>(T options, ParseResult result) where T : ClientOptions => Apply(options, Resolve(result));

    public static T Apply<T>(T options, IReadOnlyDictionary<string, string> properties) where T : ClientOptions
    {
        options.SecurityProtocol = properties.GetValueOrDefault("security.protocol", "PLAINTEXT");
        options.SaslMechanism = properties.GetValueOrDefault("sasl.mechanism", "PLAIN");
        options.SaslUsername = properties.GetValueOrDefault("sasl.username");
        options.SaslPassword = properties.GetValueOrDefault("sasl.password");
        options.SslCaLocation = properties.GetValueOrDefault("ssl.ca.location");
        options.SslCertificateLocation = properties.GetValueOrDefault("ssl.certificate.location");
        options.SslKeyLocation = properties.GetValueOrDefault("ssl.key.location");
        if (properties.TryGetValue("ssl.endpoint.identification.algorithm", out string? algorithm))
            options.SslEndpointIdentificationAlgorithm = algorithm;
        return options;
    }

    /// <summary>Merges and checks the three sources; <paramref name="environmentPassword"/> fills a missing password.</summary>
    public static Dictionary<string, string> Resolve(FileInfo? commandConfig, string[]? properties, IReadOnlyDictionary<string, string?> explicitOptions,
        string? environmentPassword)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        if (commandConfig is not null)
        {
            if (!commandConfig.Exists)
                throw new CliException($"--command-config file '{commandConfig.FullName}' does not exist", 2);
            int lineNumber = 0;
            foreach (string raw in File.ReadAllLines(commandConfig.FullName))
            {
                lineNumber++;
                string line = raw.Trim();
                if (line.Length == 0 || line[0] is '#' or '!')
                    continue;
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                    throw new CliException($"--command-config {commandConfig.Name} line {lineNumber}: expected key=value, not '{line}'", 2);
                Set(merged, line[..eq].Trim(), line[(eq + 1)..].Trim(), $"--command-config {commandConfig.Name} line {lineNumber}");
            }
        }
        foreach (var (key, value) in SharedOptions.ParseKeyValues(properties, "-X"))
            Set(merged, key.Trim(), value, "-X");
        foreach (var (key, value) in explicitOptions)
        {
            if (value is not null)
                merged[key] = value;
        }

        string protocol = merged["security.protocol"] = merged.GetValueOrDefault("security.protocol", "PLAINTEXT").Trim().ToUpperInvariant();
        if (!s_protocols.Contains(protocol))
            throw new CliException($"security.protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not '{protocol}'", 2);
        bool sasl = protocol is "SASL_PLAINTEXT" or "SASL_SSL";
        bool tls = protocol is "SSL" or "SASL_SSL";

        if (merged.TryGetValue("sasl.mechanism", out string? mechanism))
        {
            mechanism = merged["sasl.mechanism"] = mechanism.Trim().ToUpperInvariant();
            if (!s_mechanisms.Contains(mechanism))
                throw new CliException($"sasl.mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not '{mechanism}'", 2);
        }
        if (sasl)
        {
            if (!merged.TryGetValue("sasl.username", out string? user) || user.Length == 0)
                throw new CliException($"security.protocol {protocol} needs sasl.username (--sasl-username or -X sasl.username=…)", 2);
            if (!merged.ContainsKey("sasl.password"))
            {
                if (environmentPassword is null)
                    throw new CliException($"security.protocol {protocol} needs sasl.password (--sasl-password, -X sasl.password=… or {PasswordVariable})", 2);
                merged["sasl.password"] = environmentPassword;
            }
        }
        else
        {
            foreach (string key in (string[])["sasl.mechanism", "sasl.username", "sasl.password"])
            {
                if (merged.ContainsKey(key))
                    throw new CliException($"{key} is set but security.protocol is {protocol}: use SASL_PLAINTEXT or SASL_SSL to authenticate with SASL", 2);
            }
        }
        string[] sslFiles = ["ssl.ca.location", "ssl.certificate.location", "ssl.key.location"];
        if (!tls)
        {
            foreach (string key in sslFiles.Append("ssl.endpoint.identification.algorithm"))
            {
                if (merged.ContainsKey(key))
                    throw new CliException($"{key} is set but security.protocol is {protocol}: use SSL or SASL_SSL to connect with TLS", 2);
            }
        }
        if (merged.ContainsKey("ssl.certificate.location") != merged.ContainsKey("ssl.key.location"))
            throw new CliException("ssl.certificate.location and ssl.key.location go together: give both or neither", 2);
        foreach (string key in sslFiles)
        {
            if (merged.TryGetValue(key, out string? path) && !File.Exists(path))
                throw new CliException($"{key} file '{path}' does not exist", 2);
        }
        if (merged.TryGetValue("ssl.endpoint.identification.algorithm", out string? identification)
            && !(identification.Equals("https", StringComparison.OrdinalIgnoreCase) || identification.Equals("none", StringComparison.OrdinalIgnoreCase) || identification.Length == 0))
            throw new CliException($"ssl.endpoint.identification.algorithm must be https or none, not '{identification}'", 2);
        return merged;
    }

    private static void Set(Dictionary<string, string> merged, string key, string value, string source)
    {
        if (key == "sasl.mechanisms")
            key = "sasl.mechanism";
        if (!Keys.Contains(key))
            throw new CliException($"{source}: unknown client property '{key}' (known: {string.Join(", ", Keys)})", 2);
        merged[key] = value;
    }
}
