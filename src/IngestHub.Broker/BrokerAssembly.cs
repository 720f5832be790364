namespace IngestHub.Broker; internal static class BrokerAssembly { }
