namespace IngestHub.Testing.Docker;

/// <summary>The Docker engine that answered: its version and the API version it speaks.</summary>
public sealed record DockerEngineInfo(string Version, string ApiVersion);
