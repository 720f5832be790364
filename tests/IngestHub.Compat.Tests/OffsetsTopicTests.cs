using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using IngestHub.Compat.Tests.Infrastructure;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>Committed offsets as Kafka keeps them: kcat reads them from <c>__consumer_offsets</c> in Kafka's record
/// format, clients cannot write the topic, and commits acknowledged before a SIGKILL are all there after a restart.</summary>
public sealed class OffsetsTopicTests
{
    private const string OffsetsTopic = "__consumer_offsets";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Kafka's partition of a group: abs(Java String.hashCode) % 50.</summary>
    private static int KafkaPartitionFor(string group)
    {
        int hash = 0;
        foreach (char c in group)
            hash = unchecked(31 * hash + c);
        return (hash == int.MinValue ? 0 : Math.Abs(hash)) % 50;
    }

    /// <summary>An offset commit key as Kafka lays it out: version int16 (0 or 1), group, topic (int16-length
    /// strings), partition int32.</summary>
    private static (short Version, string Group, string Topic, int Partition) DecodeOffsetKey(byte[] key)
    {
        short version = BinaryPrimitives.ReadInt16BigEndian(key);
        int groupLength = BinaryPrimitives.ReadInt16BigEndian(key.AsSpan(2));
        string group = Encoding.UTF8.GetString(key, 4, groupLength);
        int at = 4 + groupLength;
        int topicLength = BinaryPrimitives.ReadInt16BigEndian(key.AsSpan(at));
        string topic = Encoding.UTF8.GetString(key, at + 2, topicLength);
        at += 2 + topicLength;
        Assert.Equal(key.Length, at + 4);
        return (version, group, topic, BinaryPrimitives.ReadInt32BigEndian(key.AsSpan(at)));
    }

    private static ConsumerConfig Standalone(ServerProcess server, string group) => new()
    {
        BootstrapServers = server.BootstrapServers,
        GroupId = group,
        EnableAutoCommit = false,
        SocketTimeoutMs = 10_000,
    };

    [Fact]
    public async Task Kcat_reads_commits_from_the_offsets_topic_in_Kafkas_format_and_clients_cannot_produce_create_or_delete_it()
    {
        await using var server = await ServerProcess.StartAsync();
        var produce = await Kcat.RunAsync(["-P", "-b", server.BootstrapServers, "-t", "orders", "-K:", "-m", "10"], "a:1\nb:2\n", cancellationToken: Ct);
        Assert.True(produce.Succeeded, produce.Describe() + server.Output);
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(Standalone(server, "reporting")).Build())
            consumer.Commit([new TopicPartitionOffset("orders", 0, 5), new TopicPartitionOffset("orders", 1, 7)]);

        var consume = await Kcat.RunAsync(["-C", "-b", server.BootstrapServers, "-t", OffsetsTopic, "-o", "beginning", "-e", "-J", "-m", "20"], cancellationToken: Ct);
        Assert.True(consume.Succeeded, consume.Describe() + server.Output);
        var records = consume.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(2, records.Count);
        var decoded = new List<(short Version, string Group, string Topic, int Partition)>();
        foreach (var record in records)
        {
            Assert.Equal(KafkaPartitionFor("reporting"), record.GetProperty("partition").GetInt32());
            // kcat escapes the binary key in JSON; every byte of these keys is below 0x80, so each char is one byte.
            decoded.Add(DecodeOffsetKey(Encoding.Latin1.GetBytes(record.GetProperty("key").GetString()!)));
            // Value version 3 starts with the version and the offset (bytes below 0x80 here too).
            var value = Encoding.Latin1.GetBytes(record.GetProperty("payload").GetString()![..10]);
            Assert.Equal(3, BinaryPrimitives.ReadInt16BigEndian(value));
            Assert.Contains(BinaryPrimitives.ReadInt64BigEndian(value.AsSpan(2)), new long[] { 5, 7 });
        }
        Assert.Equal([((short)1, "reporting", "orders", 0), ((short)1, "reporting", "orders", 1)], decoded.Order().ToList());

        var write = await Kcat.RunAsync(["-P", "-b", server.BootstrapServers, "-t", OffsetsTopic, "-p", "0", "-K:", "-m", "10", "-X", "message.timeout.ms=10000"],
            "k:v\n", cancellationToken: Ct);
        Assert.False(write.Succeeded, "kcat must not be able to produce to " + OffsetsTopic + "\n" + write.Describe());
        Assert.Contains("Invalid topic", write.StdErr, StringComparison.OrdinalIgnoreCase);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.BootstrapServers }).Build();
        var create = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = OffsetsTopic, NumPartitions = 1, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, create.Results[0].Error.Code);
        var delete = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync([OffsetsTopic]));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, delete.Results[0].Error.Code);

        var metadata = admin.GetMetadata(OffsetsTopic, TimeSpan.FromSeconds(30));
        Assert.Equal(50, Assert.Single(metadata.Topics).Partitions.Count);
        var again = await Kcat.RunAsync(["-C", "-b", server.BootstrapServers, "-t", OffsetsTopic, "-o", "beginning", "-e", "-J", "-m", "20"], cancellationToken: Ct);
        Assert.Equal(2, again.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Commits_acknowledged_before_a_sigkill_are_all_there_after_restart()
    {
        await using var server = await ServerProcess.StartAsync();
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = server.BootstrapServers }).Build())
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "ledger", NumPartitions = 3, ReplicationFactor = 1 }]);

        // Each group commits increasing offsets one commit at a time; acknowledged[g][p] is the last one the broker
        // confirmed, attempted[g][p] the last one sent (it may be in flight when the server dies).
        string[] groups = ["ledger-a", "ledger-b", "ledger-c", "ledger-d"];
        var acknowledged = new ConcurrentDictionary<(string, int), long>();
        var attempted = new ConcurrentDictionary<(string, int), long>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        // Commits go over a bare connection with a deadline each (a killed server must fail them, not hang them).
        var committers = groups.Select(group => Task.Run(async () =>
        {
            using var channel = await KafkaRequestChannel.ConnectAsync(server.KafkaPort, stop.Token);
            for (long offset = 1; offset <= 5000 && !stop.IsCancellationRequested; offset++)
            {
                int partition = (int)(offset % 3);
                attempted[(group, partition)] = offset;
                try
                {
                    var response = await channel.SendAsync<OffsetCommitRequest, OffsetCommitResponse>(new OffsetCommitRequest
                    {
                        GroupId = group,
                        Topics = [new OffsetCommitRequest.Topic { Name = "ledger", Partitions = [new() { PartitionIndex = partition, CommittedOffset = offset }] }],
                    }, 7, TimeSpan.FromSeconds(10));
                    if (response.Topics[0].Partitions[0].ErrorCode != IngestHub.Protocol.ErrorCode.None)
                        throw new InvalidOperationException($"{group}: commit refused with {response.Topics[0].Partitions[0].ErrorCode}");
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.Sockets.SocketException)
                {
                    return; // the server is gone
                }
                acknowledged[(group, partition)] = offset;
            }
        }, CancellationToken.None)).ToList();

        try
        {
            await Polling.Eventually(() => groups.All(g => acknowledged.GetValueOrDefault((g, 0)) >= 150) || committers.Any(t => t.IsCompleted),
                TimeSpan.FromSeconds(60), "every group gets commits acknowledged");
        }
        finally
        {
            server.Kill();
            await stop.CancelAsync();
        }
        await Task.WhenAll(committers).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.All(groups, g => Assert.True(acknowledged.GetValueOrDefault((g, 0)) >= 150, $"group {g} only reached {acknowledged.GetValueOrDefault((g, 0))}\n{server.Output}"));

        await server.StartAsync();
        foreach (string group in groups)
        {
            using var consumer = new ConsumerBuilder<Ignore, Ignore>(Standalone(server, group)).Build();
            var committed = consumer.Committed([.. Enumerable.Range(0, 3).Select(p => new TopicPartition("ledger", p))], TimeSpan.FromSeconds(30));
            foreach (var offset in committed)
            {
                long ack = acknowledged[(group, offset.Partition.Value)];
                long sent = attempted[(group, offset.Partition.Value)];
                Assert.True(offset.Offset.Value == ack || offset.Offset.Value == sent,
                    $"{group} {offset.Partition.Value}: committed {offset.Offset.Value} after restart, last acknowledged {ack}, last sent {sent}\n{server.Output}");
            }
        }
    }
}
