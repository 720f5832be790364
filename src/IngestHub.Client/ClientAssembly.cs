namespace IngestHub.Client; internal static class ClientAssembly { }
