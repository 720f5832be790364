namespace IngestHub.Broker.Security;

/// <summary>Kafka's listener security protocols.</summary>
public enum SecurityProtocol
{
    Plaintext,
    Ssl,
    SaslPlaintext,
    SaslSsl,
}
