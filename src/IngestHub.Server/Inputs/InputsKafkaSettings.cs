using IngestHub.Server.Kafka;

namespace IngestHub.Server.Inputs;

/// <summary>How the inputs' producer reaches the broker it writes to (keys directly under <c>inputs</c>:
/// <c>BootstrapServers</c>, <c>SecurityProtocol</c>, <c>Sasl*</c>, <c>Ssl*</c>); default the embedded broker's first
/// listener, PLAINTEXT. With the authorizer on, give the inputs a SASL user with WRITE on their topics (and
/// IDEMPOTENT_WRITE on the cluster), or grant those to <c>User:ANONYMOUS</c>.</summary>
public sealed class InputsKafkaSettings : KafkaClientSettings
{
    protected override string Section => "inputs";
}
