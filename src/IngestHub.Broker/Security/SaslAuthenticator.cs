namespace IngestHub.Broker.Security;

/// <summary>The server side of one SASL exchange on one connection.</summary>
public abstract class SaslAuthenticator
{
    public abstract string Mechanism { get; }

    /// <summary>Handles the client's next token.</summary>
    public abstract SaslStep Evaluate(ReadOnlySpan<byte> token);

    /// <summary>The message every credential failure gets: it does not say whether the user exists.</summary>
    protected string InvalidCredentials => $"Authentication failed: Invalid username or password (mechanism {Mechanism})";
}
