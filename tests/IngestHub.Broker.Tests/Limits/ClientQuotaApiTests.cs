using IngestHub.Broker.Quotas;
using IngestHub.Broker.Tests.Support;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Broker.Tests.Limits;

/// <summary>
/// DescribeClientQuotas and AlterClientQuotas as raw requests against a broker on loopback: set, describe with exact,
/// default and any matches (strict and not), remove, validate_only, the INVALID_REQUEST refusals, the configured
/// quotas seen and overridden, persistence across a restart, and the throttle a new producer_byte_rate imposes.
/// </summary>
public sealed class ClientQuotaApiTests
{
    private const string Producer = "producer_byte_rate";
    private const string Consumer = "consumer_byte_rate";

    private static AlterClientQuotasRequest.EntryData Set((string Type, string? Name)[] entity, params (string Key, double? Value)[] ops) => new()
    {
        Entity = [.. entity.Select(e => new AlterClientQuotasRequest.EntityData { EntityType = e.Type, EntityName = e.Name })],
        Ops = [.. ops.Select(o => new AlterClientQuotasRequest.OpData { Key = o.Key, Value = o.Value ?? 0, Remove = o.Value is null })],
    };

    private static async Task<AlterClientQuotasResponse> AlterAsync(RawKafkaClient client, short version, bool validateOnly, params AlterClientQuotasRequest.EntryData[] entries) =>
        await client.SendAsync<AlterClientQuotasRequest, AlterClientQuotasResponse>(new AlterClientQuotasRequest { Entries = [.. entries], ValidateOnly = validateOnly }, version);

    private static async Task<DescribeClientQuotasResponse> DescribeAsync(RawKafkaClient client, short version, bool strict, params (string Type, sbyte MatchType, string? Match)[] components) =>
        await client.SendAsync<DescribeClientQuotasRequest, DescribeClientQuotasResponse>(new DescribeClientQuotasRequest
        {
            Components = [.. components.Select(c => new DescribeClientQuotasRequest.Component { EntityType = c.Type, MatchType = c.MatchType, Match = c.Match })],
            Strict = strict,
        }, version);

    /// <summary>Each described entity as "user=a,client-id=&lt;default&gt;" with its values, sorted.</summary>
    private static List<string> Show(DescribeClientQuotasResponse response)
    {
        Assert.Equal(ErrorCode.None, response.ErrorCode);
        return [.. response.Entries!.Select(e =>
            string.Join(",", e.Entity.OrderByDescending(p => p.EntityType).Select(p => $"{p.EntityType}={p.EntityName ?? "<default>"}"))
            + " " + string.Join(",", e.Values.OrderBy(v => v.Key).Select(v => $"{v.Key}={v.Value}"))).Order()];
    }

    [Theory]
    [InlineData((short)0)]
    [InlineData((short)1)]
    public async Task Quotas_are_set_described_by_match_and_removed(short version)
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        var altered = await AlterAsync(client, version, false,
            Set([("user", "alice")], (Producer, 1024), (Consumer, 2048)),
            Set([("user", "alice"), ("client-id", "app")], (Producer, 512)),
            Set([("user", null)], (Consumer, 4096)),
            Set([("client-id", "app")], (Producer, 100)));
        Assert.All(altered.Entries, e => Assert.Equal(ErrorCode.None, e.ErrorCode));
        Assert.Equal("alice", altered.Entries[0].Entity.Single().EntityName);
        Assert.Null(altered.Entries[2].Entity.Single().EntityName);

        Assert.Equal(
            ["client-id=app producer_byte_rate=100", "user=<default> consumer_byte_rate=4096", "user=alice consumer_byte_rate=2048,producer_byte_rate=1024", "user=alice,client-id=app producer_byte_rate=512"],
            Show(await DescribeAsync(client, version, false)));
        // Any user, not strict: the user entities and the user+client-id one.
        Assert.Equal(
            ["user=<default> consumer_byte_rate=4096", "user=alice consumer_byte_rate=2048,producer_byte_rate=1024", "user=alice,client-id=app producer_byte_rate=512"],
            Show(await DescribeAsync(client, version, false, ("user", 2, null))));
        Assert.Equal(["user=<default> consumer_byte_rate=4096", "user=alice consumer_byte_rate=2048,producer_byte_rate=1024"],
            Show(await DescribeAsync(client, version, true, ("user", 2, null))));
        Assert.Equal(["user=<default> consumer_byte_rate=4096"], Show(await DescribeAsync(client, version, false, ("user", 1, null))));
        Assert.Equal(["user=alice,client-id=app producer_byte_rate=512"],
            Show(await DescribeAsync(client, version, true, ("user", 0, "alice"), ("client-id", 0, "app"))));
        Assert.Empty(Show(await DescribeAsync(client, version, false, ("user", 0, "bob"))));

        // The broker enforces what it reports.
        Assert.Equal(512, fixture.Broker.Quotas.Resolve(QuotaType.Produce, "alice", "app")!.Value.Rate);
        Assert.Equal(4096, fixture.Broker.Quotas.Resolve(QuotaType.Fetch, "bob", "x")!.Value.Rate);

        // Removing one key keeps the other; removing the last drops the entity.
        altered = await AlterAsync(client, version, false,
            Set([("user", "alice")], (Producer, null)),
            Set([("user", "alice"), ("client-id", "app")], (Producer, null)));
        Assert.All(altered.Entries, e => Assert.Equal(ErrorCode.None, e.ErrorCode));
        Assert.Equal(["user=<default> consumer_byte_rate=4096", "user=alice consumer_byte_rate=2048"],
            Show(await DescribeAsync(client, version, false, ("user", 2, null))));
        Assert.Equal(100, fixture.Broker.Quotas.Resolve(QuotaType.Produce, "alice", "app")!.Value.Rate);
    }

    [Fact]
    public async Task Validate_only_and_invalid_entries_change_nothing()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var client = await fixture.ConnectAsync();
        var checkedOnly = await AlterAsync(client, 1, true, Set([("client-id", "app")], (Producer, 1000)));
        Assert.Equal(ErrorCode.None, checkedOnly.Entries.Single().ErrorCode);
        Assert.Empty(Show(await DescribeAsync(client, 1, false)));

        var refused = await AlterAsync(client, 1, false,
            Set([("group", "g")], (Producer, 1000)),                       // unknown entity type
            Set([("client-id", "app")], ("unknown_rate", 1000)),            // unknown key
            Set([("client-id", "app")], ("request_percentage", 50)),        // a Kafka key this broker does not enforce
            Set([("client-id", "app")], (Producer, 1.5)),                   // not a whole number of bytes
            Set([("client-id", "app")], (Producer, -1)),
            Set([("client-id", "app")], (Producer, 10), (Producer, 20)),    // the same key twice
            Set([("user", "a"), ("user", "b")], (Producer, 10)),            // the same type twice
            Set([], (Producer, 10)),
            Set([("ip", "10.0.0.1")], ("connection_creation_rate", 10)),
            Set([("client-id", "ok")], (Producer, 10)));
        Assert.Equal(10, refused.Entries.Count);
        Assert.All(refused.Entries.Take(9), e => Assert.Equal(ErrorCode.InvalidRequest, e.ErrorCode));
        Assert.All(refused.Entries.Take(9), e => Assert.False(string.IsNullOrEmpty(e.ErrorMessage)));
        Assert.Equal(ErrorCode.None, refused.Entries[9].ErrorCode);
        Assert.Equal(["client-id=ok producer_byte_rate=10"], Show(await DescribeAsync(client, 1, false)));

        var badFilter = await DescribeAsync(client, 1, false, ("group", 2, null));
        Assert.Equal(ErrorCode.InvalidRequest, badFilter.ErrorCode);
        badFilter = await DescribeAsync(client, 1, false, ("user", 0, null));
        Assert.Equal(ErrorCode.InvalidRequest, badFilter.ErrorCode);
        badFilter = await DescribeAsync(client, 0, false, ("user", 2, null), ("user", 1, null));
        Assert.Equal(ErrorCode.InvalidRequest, badFilter.ErrorCode);
    }

    [Fact]
    public async Task Altered_quotas_survive_a_restart_and_override_configured_ones()
    {
        await using var fixture = await BrokerFixture.StartAsync(o => o.Quotas =
        [
            new QuotaEntry { ClientId = "configured", ProducerByteRate = 111 },
            new QuotaEntry { User = QuotaEntry.Default, ConsumerByteRate = 222 },
        ]);
        using (var client = await fixture.ConnectAsync())
        {
            Assert.Equal(["client-id=configured producer_byte_rate=111", "user=<default> consumer_byte_rate=222"], Show(await DescribeAsync(client, 1, false)));
            var altered = await AlterAsync(client, 1, false,
                Set([("client-id", "configured")], (Consumer, 333)),
                Set([("user", null)], (Consumer, null)),
                Set([("user", "carol"), ("client-id", null)], (Producer, 444)));
            Assert.All(altered.Entries, e => Assert.Equal(ErrorCode.None, e.ErrorCode));
        }
        string[] expected = ["client-id=configured consumer_byte_rate=333,producer_byte_rate=111", "user=carol,client-id=<default> producer_byte_rate=444"];
        Assert.True(File.Exists(Path.Combine(fixture.DataDir, QuotaStore.FileName)));

        await fixture.RestartAsync();
        using (var client = await fixture.ConnectAsync())
            Assert.Equal(expected, Show(await DescribeAsync(client, 1, false)));
        Assert.Equal(444, fixture.Broker.Quotas.Resolve(QuotaType.Produce, "carol", "any")!.Value.Rate);
        Assert.Null(fixture.Broker.Quotas.Resolve(QuotaType.Fetch, "dave", "any"));
    }

    [Fact]
    public async Task A_new_producer_byte_rate_throttles_the_next_produce_and_removing_it_ends_that()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        string value = new('x', 4000);
        using (var setup = await fixture.ConnectAsync())
        {
            var first = await setup.SendAsync<ProduceRequest, ProduceResponse>(Produce("quota-topic", Batches.Values(value)), 7);
            Assert.Equal(ErrorCode.None, first.Topics[0].Partitions[0].ErrorCode);
            Assert.Equal(0, first.ThrottleTimeMs);
            // The raw client's client id is broker-tests.
            var altered = await AlterAsync(setup, 1, false, Set([("client-id", "broker-tests")], (Producer, 1000)));
            Assert.Equal(ErrorCode.None, altered.Entries.Single().ErrorCode);
        }
        using (var throttled = await fixture.ConnectAsync())
        {
            // A 4 KB request against a 1000 B/s budget holding one second: about three seconds of debt.
            var response = await throttled.SendAsync<ProduceRequest, ProduceResponse>(Produce("quota-topic", Batches.Values(value)), 7);
            Assert.Equal(ErrorCode.None, response.Topics[0].Partitions[0].ErrorCode);
            Assert.InRange(response.ThrottleTimeMs, 1000, ClientQuotas.MaxThrottleMs);
        }
        using (var admin = await fixture.ConnectAsync())
        {
            var removed = await AlterAsync(admin, 1, false, Set([("client-id", "broker-tests")], (Producer, null)));
            Assert.Equal(ErrorCode.None, removed.Entries.Single().ErrorCode);
            var free = await admin.SendAsync<ProduceRequest, ProduceResponse>(Produce("quota-topic", Batches.Values(value)), 7);
            Assert.Equal(ErrorCode.None, free.Topics[0].Partitions[0].ErrorCode);
            Assert.Equal(0, free.ThrottleTimeMs);
        }
    }

    private static ProduceRequest Produce(string topic, byte[] batch) => new()
    {
        Acks = 1,
        TimeoutMs = 10_000,
        Topics = [new ProduceRequest.Topic { Name = topic, Partitions = [new ProduceRequest.Partition { PartitionIndex = 0, Records = new MemoryRecordsPayload(batch) }] }],
    };
}
