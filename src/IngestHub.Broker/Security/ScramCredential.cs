namespace IngestHub.Broker.Security;

/// <summary>What is kept of a password for one SCRAM mechanism (RFC 5802): salt, iterations, StoredKey and
/// ServerKey. The password itself cannot be recovered from it.</summary>
public sealed record ScramCredential(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey);
