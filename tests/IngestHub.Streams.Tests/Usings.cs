global using IngestHub.Streams;
global using IngestHub.Streams.Runtime;
global using IngestHub.Streams.Topology;
global using IngestHub.Testing;
global using Xunit;
