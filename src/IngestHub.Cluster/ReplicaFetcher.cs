using System.Runtime.InteropServices;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Cluster;

/// <summary>
/// A follower's copy loop for one partition: first truncates a divergent tail to where the leader says this
/// broker's last epoch ends (OffsetForLeaderEpoch), then fetches from the log end with its replica id and appends
/// the leader's batches unchanged, following the leader's high watermark.
/// </summary>
internal sealed class ReplicaFetcher(ReplicaPartition replica, int nodeId, Func<int, Broker.Cluster.ClusterBroker?> brokerOf,
    ClusterOptions options, ILogger logger)
{
    private const short FetchVersion = 11;
    private const short EpochVersion = 3;

    public async Task RunAsync(int leaderId, int leaderEpoch, CancellationToken cancellationToken)
    {
        var local = replica.Local;
        int failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var leader = brokerOf(leaderId) ?? throw new IOException($"leader {leaderId} is not registered");
                await using var connection = await KafkaPeerConnection.ConnectAsync(leader.Host, leader.Port, $"replica-{nodeId}", cancellationToken);
                await TruncateToLeaderAsync(connection, leaderEpoch, cancellationToken);
                while (!cancellationToken.IsCancellationRequested)
                {
                    var request = new FetchRequest
                    {
                        ReplicaId = nodeId,
                        MaxWaitMs = options.ReplicaFetchWaitMaxMs,
                        MinBytes = 1,
                        MaxBytes = 8 * 1024 * 1024,
                        SessionEpoch = -1,
                        RackId = "",
                    };
                    var topic = new FetchRequest.Topic { Name = local.Topic };
                    topic.Partitions.Add(new FetchRequest.Partition
                    {
                        PartitionIndex = local.Index,
                        CurrentLeaderEpoch = leaderEpoch,
                        FetchOffset = local.Log.LogEndOffset,
                        LogStartOffset = local.Log.LogStartOffset,
                        PartitionMaxBytes = 4 * 1024 * 1024,
                    });
                    request.Topics.Add(topic);
                    var response = await connection.SendAsync<FetchRequest, FetchResponse>(request, FetchVersion, options.ReplicaFetchWaitMaxMs + 10_000, cancellationToken);
                    var partition = response.Topics.Count == 1 && response.Topics[0].Partitions.Count == 1 ? response.Topics[0].Partitions[0] : null;
                    var error = response.ErrorCode != ErrorCode.None ? response.ErrorCode : partition?.ErrorCode ?? ErrorCode.UnknownServerError;
                    if (error == ErrorCode.OffsetOutOfRange)
                    {
                        await TruncateToLeaderAsync(connection, leaderEpoch, cancellationToken);
                        continue;
                    }
                    if (error != ErrorCode.None)
                        throw new IOException($"fetch from leader {leaderId} answered {error}");
                    if (partition!.Records is MemoryRecordsPayload { Length: > 0 } payload)
                    {
                        var records = MemoryMarshal.AsMemory(payload.Bytes);
                        var result = local.AppendReplicated(records.Span);
                        if (!result.Succeeded)
                            throw new IOException($"appending the leader's batches failed: {result.Error} {result.Message}");
                    }
                    replica.FollowHighWatermark(partition.HighWatermark);
                    failures = 0;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException
                or Protocol.Primitives.MalformedMessageException or ObjectDisposedException)
            {
                failures++;
                var level = failures % 20 == 3 ? LogLevel.Warning : LogLevel.Debug;
                logger.Log(level, "Replica fetcher {Topic}-{Partition} from leader {Leader} (epoch {Epoch}) failed {Count} times: {Error}",
                    local.Topic, local.Index, leaderId, leaderEpoch, failures, ex.Message);
                try
                {
                    await Task.Delay(Math.Min(1000, 100 * failures), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Asks the leader where this broker's latest epoch ends there and cuts the local log at that point
    /// when it runs past it (records the old leader had but never committed).</summary>
    private async Task TruncateToLeaderAsync(KafkaPeerConnection connection, int leaderEpoch, CancellationToken cancellationToken)
    {
        var local = replica.Local;
        int latest = local.Epochs.Latest;
        if (latest < 0 || local.Log.LogEndOffset == 0)
            return;
        var request = new OffsetForLeaderEpochRequest { ReplicaId = nodeId };
        var topic = new OffsetForLeaderEpochRequest.Topic { Name = local.Topic };
        topic.Partitions.Add(new OffsetForLeaderEpochRequest.Partition { PartitionIndex = local.Index, CurrentLeaderEpoch = leaderEpoch, LeaderEpoch = latest });
        request.Topics.Add(topic);
        var response = await connection.SendAsync<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(request, EpochVersion, 10_000, cancellationToken);
        var answer = response.Topics.Count == 1 && response.Topics[0].Partitions.Count == 1 ? response.Topics[0].Partitions[0] : null;
        if (answer is null || answer.ErrorCode != ErrorCode.None)
            throw new IOException($"OffsetForLeaderEpoch at the leader answered {answer?.ErrorCode.ToString() ?? "nothing"}");
        if (answer.EndOffset < 0)
            return;
        long localEnd = answer.LeaderEpoch >= 0 ? local.Epochs.EndOffsetFor(answer.LeaderEpoch, local.Log.LogEndOffset).EndOffset : local.Log.LogEndOffset;
        if (localEnd < 0)
            localEnd = local.Log.LogEndOffset;
        long target = Math.Min(answer.EndOffset, localEnd);
        if (target < local.Log.LogEndOffset)
        {
            logger.LogWarning("{Topic}-{Partition}: truncating from {End} to {Target}, where epoch {Epoch} ends at the leader",
                local.Topic, local.Index, local.Log.LogEndOffset, target, answer.LeaderEpoch);
            local.TruncateTo(target);
        }
    }
}
