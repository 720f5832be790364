using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// The advertised version ranges contain the exact versions librdkafka 2.0.2 probes for before it enables a
/// feature, and the versions kafkajs 2.2.4 picks (min of its max and the broker's max), on an in-process server.
/// </summary>
public sealed class ApiVersionsTests(InProcessServer server) : IClassFixture<InProcessServer>
{
    [Theory]
    [InlineData((short)18, (short)0, (short)3)] // ApiVersions: kafkajs v0-2, librdkafka v3
    [InlineData((short)3, (short)0, (short)4)] // Metadata
    [InlineData((short)0, (short)0, (short)7)] // Produce: v3 = record batch v2; librdkafka <= 2.11.0 compresses gzip/snappy/lz4 only if v0 is in range
    [InlineData((short)1, (short)4, (short)11)] // Fetch: v4 = record batch v2
    [InlineData((short)2, (short)1, (short)2)] // ListOffsets: v1 = offsets for times
    [InlineData((short)22, (short)0, (short)1)] // InitProducerId: v0 = idempotence
    [InlineData((short)19, (short)0, (short)3)] // CreateTopics
    [InlineData((short)37, (short)0, (short)1)] // CreatePartitions
    public async Task Advertised_range_covers_the_versions_clients_use(short apiKey, short lowest, short highest)
    {
        using var connection = await RawKafkaConnection.ConnectAsync(server.KafkaPort, TestContext.Current.CancellationToken);
        var apis = await connection.ApiVersionsAsync(correlationId: 42, TimeSpan.FromSeconds(10));

        var api = Assert.Single(apis, a => a.ApiKey == apiKey);
        Assert.True(api.Min <= lowest && api.Max >= highest,
            $"api {apiKey} advertises {api.Min}-{api.Max}, clients need {lowest}-{highest}");
    }
}
