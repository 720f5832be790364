global using IngestHub.Testing;
