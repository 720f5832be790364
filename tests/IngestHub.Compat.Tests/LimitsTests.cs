using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using IngestHub.Compat.Tests.Infrastructure;
using IngestHub.Testing;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// Connection limits, request bounds and byte-rate quotas against real clients on loopback: each test starts its own
/// appliance with the limit under test, and every wait is bounded.
/// </summary>
public sealed class LimitsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Per_ip_limit_refuses_the_next_connection_while_existing_ones_keep_working()
    {
        // The client connects from 127.0.0.2, apart from the appliance's own clients on 127.0.0.1. The broker-wide
        // per-IP limit is high; the override for 127.0.0.2 is what applies.
        await using var host = await ApplianceHost.StartAsync("--broker:MaxConnectionsPerIp=100", "--broker:MaxConnectionsPerIpOverrides=127.0.0.2:3");
        int port = host.Broker.AdvertisedPort;
        var client = IPAddress.Parse("127.0.0.2");
        var open = new List<RawKafkaConnection>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var connection = await RawKafkaConnection.ConnectAsync(port, client, Ct);
                open.Add(connection);
                await connection.ApiVersionsAsync(correlationId: i, s_timeout);
            }

            using (var refused = await RawKafkaConnection.ConnectAsync(port, client, Ct))
            {
                await refused.TrySendAsync(RawKafkaConnection.EncodeRequest(18, 0, 99, []), Ct);
                Assert.Equal(BrokerReaction.Closed, await refused.WaitForReactionAsync(s_timeout));
            }

            for (int i = 0; i < open.Count; i++)
                await open[i].ApiVersionsAsync(correlationId: 10 + i, s_timeout);
            string metrics = await host.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Ct);
            Assert.Contains("ingesthub_broker_connections_refused_total{listener=\"PLAINTEXT\",limit=\"max.connections.per.ip\"} 1", metrics, StringComparison.Ordinal);

            // A closed connection frees its place.
            open[0].Dispose();
            open.RemoveAt(0);
            await Poll.UntilAsync(() => host.Broker.ConnectionLimits.CountFor(client) == 2, s_timeout, () => $"{host.Broker.ConnectionLimits.CountFor(client)} connections open");
            var again = await RawKafkaConnection.ConnectAsync(port, client, Ct);
            open.Add(again);
            await again.ApiVersionsAsync(correlationId: 20, s_timeout);
        }
        finally
        {
            foreach (var connection in open)
                connection.Dispose();
        }
    }

    [Fact]
    public async Task Oversized_frame_on_a_listener_is_refused_and_the_broker_keeps_serving()
    {
        await using var host = await ApplianceHost.StartAsync("--broker:ListenerOverrides:PLAINTEXT:SocketRequestMaxBytes=4096");
        int port = host.Broker.AdvertisedPort;
        using var bystander = await RawKafkaConnection.ConnectAsync(port, Ct);
        await bystander.ApiVersionsAsync(correlationId: 1, s_timeout);

        using (var attacker = await RawKafkaConnection.ConnectAsync(port, Ct))
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, 4097);
            await attacker.TrySendAsync(prefix, Ct);
            Assert.Equal(BrokerReaction.Closed, await attacker.WaitForReactionAsync(s_timeout));
        }

        // kcat with a record that does not fit is refused too; a small one goes through.
        string topic = "limits-oversize";
        var big = await Kcat.RunAsync(["-P", "-b", host.Bootstrap, "-t", topic, "-X", "message.timeout.ms=5000", "-X", "message.max.bytes=1000000"],
            stdin: new string('x', 8000) + "\n", cancellationToken: Ct);
        Assert.NotEqual(0, big.ExitCode);
        var small = await Kcat.RunAsync(["-P", "-b", host.Bootstrap, "-t", topic], stdin: "fits\n", cancellationToken: Ct);
        Assert.True(small.ExitCode == 0, small.StdErr);
        var read = await Kcat.ConsumeAllAsync(host.Bootstrap, topic, "%s\n", cancellationToken: Ct);
        Assert.Equal(["fits"], read.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await bystander.ApiVersionsAsync(correlationId: 2, s_timeout);

        Assert.Contains(host.Broker.Metrics.Closed, c => c.Reason == "request_too_large" && c.Count >= 2);
        string metrics = await host.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Ct);
        Assert.Contains("ingesthub_broker_connections_closed_total{reason=\"request_too_large\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_connection_is_closed_after_connections_max_idle_ms()
    {
        await using var host = await ApplianceHost.StartAsync("--broker:ConnectionsMaxIdleMs=1500");
        using var connection = await RawKafkaConnection.ConnectAsync(host.Broker.AdvertisedPort, Ct);
        await connection.ApiVersionsAsync(correlationId: 1, s_timeout);
        Assert.Equal(BrokerReaction.Closed, await connection.WaitForReactionAsync(s_timeout));
        Assert.Contains(host.Broker.Metrics.Closed, c => c.Reason == "idle" && c.Count >= 1);
    }

    [Fact]
    public async Task Producer_over_its_quota_is_throttled_and_held_near_the_rate()
    {
        const long quota = 256 * 1024;
        await using var host = await ApplianceHost.StartAsync(
            "--broker:Quotas:0:ClientId=quota-producer", $"--broker:Quotas:0:ProducerByteRate={quota}");
        string topic = "limits-produce-quota";
        double maxThrottle = 0;
        var config = new ProducerConfig
        {
            BootstrapServers = host.Bootstrap,
            ClientId = "quota-producer",
            Acks = Acks.Leader,
            LingerMs = 5,
            BatchSize = 16 * 1024,
            QueueBufferingMaxKbytes = 256,
            StatisticsIntervalMs = 500,
            MessageTimeoutMs = 60_000,
        };
        using var producer = new ProducerBuilder<Null, byte[]>(config)
            .SetStatisticsHandler((_, json) => maxThrottle = Math.Max(maxThrottle, MaxThrottle(json)))
            .Build();
        var value = new byte[1000];
        long delivered = 0;
        long failed = 0;
        var watch = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(8);
        while (watch.Elapsed < duration)
        {
            try
            {
                producer.Produce(topic, new Message<Null, byte[]> { Value = value }, report =>
                {
                    if (report.Error.IsError)
                        Interlocked.Increment(ref failed);
                    else if (watch.Elapsed < duration)
                        Interlocked.Add(ref delivered, value.Length);
                });
            }
            catch (ProduceException<Null, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(20));
            }
        }
        double elapsed = watch.Elapsed.TotalSeconds;
        producer.Flush(s_timeout);
        double rate = Interlocked.Read(ref delivered) / elapsed;

        TestContext.Current.TestOutputHelper?.WriteLine($"produce: {rate:F0} B/s of payload under a {quota} B/s quota over {elapsed:F1} s, max throttle {maxThrottle} ms");
        Assert.Equal(0, Interlocked.Read(ref failed));
        Assert.True(rate <= 2.0 * quota, $"producer sent {rate:F0} B/s under a {quota} B/s quota");
        Assert.True(rate >= 0.1 * quota, $"producer sent only {rate:F0} B/s under a {quota} B/s quota");
        await Poll.UntilAsync(() => maxThrottle > 0, s_timeout, () => "librdkafka statistics never showed a throttle time");
        Assert.Contains(host.Broker.Metrics.Throttled, t => t.Quota == "produce" && t.Responses > 0);
        string metrics = await host.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Ct);
        Assert.Matches("ingesthub_broker_throttled_responses_total\\{quota=\"produce\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task Consumer_over_its_quota_is_throttled_and_held_near_the_rate()
    {
        const long quota = 256 * 1024;
        await using var host = await ApplianceHost.StartAsync(
            "--broker:Quotas:0:User=<default>", "--broker:Quotas:0:ClientId=quota-consumer", $"--broker:Quotas:0:ConsumerByteRate={quota}");
        string topic = "limits-fetch-quota";
        // 4 MB to read: more than the quota lets through in the measured time (written by another client id, unthrottled),
        // in small batches, so that one response is small beside a second's worth of the quota.
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = host.Bootstrap, LingerMs = 5, BatchSize = 16 * 1024 }).Build())
        {
            var value = new byte[1000];
            for (int i = 0; i < 4000; i++)
            {
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, new Message<Null, byte[]> { Value = value });
                        break;
                    }
                    catch (ProduceException<Null, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(20));
                    }
                }
            }
            Assert.Equal(0, producer.Flush(s_timeout));
        }

        double maxThrottle = 0;
        var config = new ConsumerConfig
        {
            BootstrapServers = host.Bootstrap,
            ClientId = "quota-consumer",
            GroupId = "limits-fetch-quota",
            EnableAutoCommit = false,
            FetchMaxBytes = 64 * 1024,
            MaxPartitionFetchBytes = 64 * 1024,
            MessageMaxBytes = 64 * 1024,
            StatisticsIntervalMs = 500,
        };
        using var consumer = new ConsumerBuilder<Null, byte[]>(config)
            .SetStatisticsHandler((_, json) => maxThrottle = Math.Max(maxThrottle, MaxThrottle(json)))
            .Build();
        var partitions = host.Broker.Topics.Topics.Single(t => t.Name == topic).Partitions.Count;
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        long bytes = 0;
        var watch = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(6);
        while (watch.Elapsed < duration)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is { } message)
                bytes += message.Value.Length;
        }
        double rate = bytes / watch.Elapsed.TotalSeconds;
        // Statistics keep coming while the consumer is polled.
        var statsDeadline = Stopwatch.StartNew();
        while (maxThrottle <= 0 && statsDeadline.Elapsed < s_timeout)
            consumer.Consume(TimeSpan.FromMilliseconds(100));
        consumer.Close();
        TestContext.Current.TestOutputHelper?.WriteLine($"fetch: {rate:F0} B/s of payload under a {quota} B/s quota, max throttle {maxThrottle} ms");

        Assert.True(rate <= 2.0 * quota, $"consumer read {rate:F0} B/s under a {quota} B/s quota");
        Assert.True(rate >= 0.1 * quota, $"consumer read only {rate:F0} B/s under a {quota} B/s quota");
        Assert.True(maxThrottle > 0, "librdkafka statistics never showed a throttle time");
        Assert.Contains(host.Broker.Metrics.Throttled, t => t.Quota == "fetch" && t.Responses > 0);
    }

    [Fact]
    public async Task Thousand_idle_connections_and_a_slowloris_do_not_stop_a_producer_and_ten_consumers()
    {
        await using var host = await ApplianceHost.StartAsync("--broker:RequestReceiveTimeoutMs=3000");
        int port = host.Broker.AdvertisedPort;
        string topic = "limits-flood";
        const int partitions = 10;
        const int perPartition = 100;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = host.Bootstrap }).Build())
            await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);

        var idle = new List<Socket>();
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                idle.Add(socket);
                await socket.ConnectAsync("127.0.0.1", port, Ct);
            }
            await Poll.UntilAsync(() => host.Broker.ConnectionLimits.Total >= 1000, s_timeout, () => $"{host.Broker.ConnectionLimits.Total} connections accepted");

            // Slowloris: announces a 100-byte request and sends one byte every half second.
            using var slow = await RawKafkaConnection.ConnectAsync(port, Ct);
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, 100);
            await slow.TrySendAsync(prefix, Ct);
            using var stopTrickle = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var trickle = Task.Run(async () =>
            {
                for (int i = 0; i < 120 && !stopTrickle.IsCancellationRequested; i++)
                {
                    if (!await slow.TrySendAsync(new byte[] { 0 }, stopTrickle.Token))
                        return;
                    await Task.Delay(500, stopTrickle.Token);
                }
            }, Ct);

            var consumers = Enumerable.Range(0, partitions).Select(p => Task.Run(() => ConsumePartition(host.Bootstrap, topic, p, perPartition), Ct)).ToList();
            var config = new ProducerConfig { BootstrapServers = host.Bootstrap, Acks = Acks.All, LingerMs = 5, MessageTimeoutMs = 60_000 };
            using (var producer = new ProducerBuilder<Null, string>(config).Build())
            {
                var sends = new List<Task<DeliveryResult<Null, string>>>();
                for (int p = 0; p < partitions; p++)
                    for (int i = 0; i < perPartition; i++)
                        sends.Add(producer.ProduceAsync(new TopicPartition(topic, p), new Message<Null, string> { Value = $"p{p}-{i}" }, Ct));
                await Task.WhenAll(sends).WaitAsync(s_timeout, Ct);
            }
            var counts = await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromSeconds(90), Ct);
            Assert.All(counts, c => Assert.Equal(perPartition, c));

            Assert.Equal(BrokerReaction.Closed, await slow.WaitForReactionAsync(s_timeout));
            await stopTrickle.CancelAsync();
            await Task.WhenAny(trickle, Task.Delay(5000, Ct));
            Assert.Contains(host.Broker.Metrics.Closed, c => c.Reason == "request_timeout" && c.Count >= 1);
            // The idle connections are still open (connections.max.idle.ms is 10 minutes).
            Assert.True(host.Broker.ConnectionLimits.Total >= 1000, $"{host.Broker.ConnectionLimits.Total} connections open");
        }
        finally
        {
            foreach (var socket in idle)
                socket.Dispose();
        }
    }

    /// <summary>One consumer assigned one partition from the beginning; returns how many records it read (bounded in time).</summary>
    private static int ConsumePartition(string bootstrap, string topic, int partition, int expected)
    {
        var config = new ConsumerConfig { BootstrapServers = bootstrap, GroupId = $"limits-flood-{partition}", EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<Null, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, partition, Offset.Beginning));
        int count = 0;
        var watch = Stopwatch.StartNew();
        while (count < expected && watch.Elapsed < TimeSpan.FromSeconds(80))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } result)
            {
                Assert.Equal($"p{partition}-{count}", result.Message.Value);
                count++;
            }
        }
        consumer.Close();
        return count;
    }

    /// <summary>The largest throttle time (ms) any broker reports in a librdkafka statistics document.</summary>
    private static double MaxThrottle(string json)
    {
        double max = 0;
        if (JsonNode.Parse(json)?["brokers"] is JsonObject brokers)
        {
            foreach (var (_, broker) in brokers)
            {
                if (broker?["throttle"]?["max"] is JsonValue value)
                    max = Math.Max(max, value.GetValue<double>());
            }
        }
        return max;
    }
}
