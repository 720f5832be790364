using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using Xunit;

namespace IngestHub.Client.Tests;

/// <summary>
/// An idempotent producer whose principal may not take a producer id (no IDEMPOTENT_WRITE on the cluster): its sends
/// fail at once with CLUSTER_AUTHORIZATION_FAILED and a Warning, instead of after delivery.timeout.ms; while idle it
/// does not keep asking the broker; once the ACL is granted the next send gets an id and is written.
/// </summary>
public sealed class ProducerAuthorizationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static long InitProducerIdRequests(RunningBroker broker) =>
        broker.Broker.Metrics.Apis.FirstOrDefault(a => a.Name == nameof(ApiKey.InitProducerId))?.Requests ?? 0;

    [Fact]
    public async Task A_refused_producer_id_fails_the_sends_at_once_stays_quiet_while_idle_and_recovers_when_granted()
    {
        await using var broker = await RunningBroker.StartAsync("--broker:AuthorizerEnabled=true");
        string topic = BrokerFixture.UniqueName("refused-id");
        broker.Broker.Authorizer.Store!.Add([
            new AclBinding(AclResourceType.Topic, topic, AclPatternType.Literal, "User:ANONYMOUS", "*", AclOperation.All, AclPermissionType.Allow),
            new AclBinding(AclResourceType.Cluster, AclBinding.ClusterResourceName, AclPatternType.Literal, "User:ANONYMOUS", "*", AclOperation.Create, AclPermissionType.Allow),
        ]);
        var logger = new RecordingLogger();
        await using var producer = new KafkaProducer(new ProducerOptions { BootstrapServers = broker.BootstrapServers, EnableIdempotence = true, DeliveryTimeoutMs = 120_000 }, logger);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<KafkaException>(() => producer.ProduceAsync(topic, (byte[]?)null, "v0"u8.ToArray(), cancellationToken: Ct));
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, refused.ErrorCode);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(60), $"failed after {started.Elapsed}, not at once");
        Assert.Contains(logger.Warnings, w => w.Contains("InitProducerId refused", StringComparison.Ordinal));

        // Idle, the producer asks again at most about once a second (it waits for something to send).
        long before = InitProducerIdRequests(broker);
        var idle = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        long asked = InitProducerIdRequests(broker) - before;
        Assert.True(asked <= 2 + (long)idle.Elapsed.TotalSeconds, $"{asked} InitProducerId requests in {idle.Elapsed} while idle");

        broker.Broker.Authorizer.Store!.Add([new AclBinding(AclResourceType.Cluster, AclBinding.ClusterResourceName, AclPatternType.Literal,
            "User:ANONYMOUS", "*", AclOperation.IdempotentWrite, AclPermissionType.Allow)]);
        var written = await producer.ProduceAsync(topic, (byte[]?)null, "v1"u8.ToArray(), cancellationToken: Ct);
        Assert.True(written.Offset >= 0);
        Assert.True(producer.ProducerId >= 0);
    }
}
