namespace IngestHub.Connectors.Redis; internal static class RedisAssembly { }
