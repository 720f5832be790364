using IngestHub.Protocol.Sasl;

namespace IngestHub.Broker.Security;

/// <summary>The SASL mechanisms the broker offers (sasl.enabled.mechanisms) and the authenticator for each.</summary>
public sealed class SaslMechanisms
{
    private static readonly string[] s_known = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];
    private readonly CredentialStore _store;

    public SaslMechanisms(string enabled, CredentialStore store)
    {
        _store = store;
        var names = new List<string>();
        foreach (string name in enabled.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string upper = name.ToUpperInvariant();
            if (!s_known.Contains(upper))
                throw new FormatException($"broker:SaslEnabledMechanisms: '{name}' is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)");
            if (!names.Contains(upper))
                names.Add(upper);
        }
        Enabled = names;
    }

    public IReadOnlyList<string> Enabled { get; }
    public CredentialStore Store => _store;

    /// <summary>A fresh authenticator, or null when the mechanism is not enabled.</summary>
    public SaslAuthenticator? Create(string mechanism)
    {
        if (!Enabled.Contains(mechanism))
            return null;
        return mechanism == "PLAIN"
            ? new PlainSaslAuthenticator(_store)
            : new ScramSaslAuthenticator(ScramAlgorithm.FromMechanism(mechanism)!, _store);
    }
}
