namespace IngestHub.Connectors.Elasticsearch; internal static class ElasticsearchAssembly { }
