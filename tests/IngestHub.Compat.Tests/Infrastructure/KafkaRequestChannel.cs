using System.Buffers.Binary;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Primitives;

namespace IngestHub.Compat.Tests.Infrastructure;

/// <summary>
/// Requests encoded with the product's own codecs over a bare connection, for what kcat and kafkajs cannot
/// show: a group's state and assignments, an arbitrary JoinGroup, exact end offsets.
/// </summary>
public sealed class KafkaRequestChannel : IDisposable
{
    private readonly RawKafkaConnection _connection;
    private int _correlationId;

    private KafkaRequestChannel(RawKafkaConnection connection) => _connection = connection;

    public static async Task<KafkaRequestChannel> ConnectAsync(int port, CancellationToken cancellationToken = default) =>
        new(await RawKafkaConnection.ConnectAsync(port, cancellationToken));

    /// <summary>Sends one request and decodes its response (non-flexible versions only: response header v0).</summary>
    public async Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, short version, TimeSpan timeout)
        where TRequest : IKafkaMessage<TRequest>
        where TResponse : IKafkaMessage<TResponse>
    {
        int correlationId = ++_correlationId;
        using var frame = new PooledBufferWriter();
        MessageCodec.WriteRequestFrame(frame,
            new RequestHeader { ApiKey = TRequest.ApiKey, ApiVersion = version, CorrelationId = correlationId, ClientId = "compat-probe" },
            request);
        using var deadline = new CancellationTokenSource(timeout);
        if (!await _connection.TrySendAsync(frame.WrittenMemory.ToArray(), deadline.Token))
            throw new IOException($"{TRequest.ApiKey} v{version}: the broker closed the connection");
        byte[] response = await _connection.ReadFrameAsync(deadline.Token);
        int correlation = BinaryPrimitives.ReadInt32BigEndian(response);
        if (correlation != correlationId)
            throw new InvalidDataException($"correlation id {correlation}, expected {correlationId}");
        return MessageCodec.Decode<TResponse>(response.AsMemory(4), version);
    }

    public async Task<DescribeGroupsResponse.Group> DescribeGroupAsync(string groupId, TimeSpan? timeout = null)
    {
        var response = await SendAsync<DescribeGroupsRequest, DescribeGroupsResponse>(
            new DescribeGroupsRequest { Groups = [groupId] }, 4, timeout ?? TimeSpan.FromSeconds(10));
        return response.Groups.Single();
    }

    public async Task CreateTopicAsync(string topic, int partitions)
    {
        var response = await SendAsync<CreateTopicsRequest, CreateTopicsResponse>(
            new CreateTopicsRequest { Topics = [new CreateTopicsRequest.Topic { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }], TimeoutMs = 10_000 },
            2, TimeSpan.FromSeconds(15));
        var error = response.Topics.Single().ErrorCode;
        if (error != ErrorCode.None)
            throw new InvalidOperationException($"CreateTopics {topic}: {error}");
    }

    /// <summary>The log end offset of each partition 0..partitions-1.</summary>
    public async Task<long[]> EndOffsetsAsync(string topic, int partitions)
    {
        var request = new ListOffsetsRequest { Topics = [new ListOffsetsRequest.Topic { Name = topic }] };
        for (int p = 0; p < partitions; p++)
            request.Topics[0].Partitions.Add(new ListOffsetsRequest.Partition { PartitionIndex = p, Timestamp = ListOffsetsRequest.LatestTimestamp });
        var response = await SendAsync<ListOffsetsRequest, ListOffsetsResponse>(request, 1, TimeSpan.FromSeconds(10));
        var ends = new long[partitions];
        foreach (var partition in response.Topics.Single().Partitions)
        {
            if (partition.ErrorCode != ErrorCode.None)
                throw new InvalidOperationException($"ListOffsets {topic}-{partition.PartitionIndex}: {partition.ErrorCode}");
            ends[partition.PartitionIndex] = partition.Offset;
        }
        return ends;
    }

    public void Dispose() => _connection.Dispose();
}
