using IngestHub.Broker.Groups;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Broker.Tests.Groups;

/// <summary>A clock the test moves by hand; timers still run on real time.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>Every partition of the known topics exists with a fixed log end offset.</summary>
internal sealed class FixedEndOffsets(long endOffset, params string[] topics) : IPartitionEndOffsets
{
    public long? LogEndOffset(string topic, int partition) =>
        Array.IndexOf(topics, topic) >= 0 && partition is >= 0 and < 16 ? endOffset : null;
}

internal static class GroupTestKit
{
    /// <summary>Kafka's 50 partitions of <c>__consumer_offsets</c> only where a test needs them: each costs its
    /// creation (files and fsyncs) in every test.</summary>
    public const int OffsetsPartitions = 3;

    public static BrokerOptions Options(int initialDelayMs = 0, int retentionMinutes = 60, int offsetsPartitions = OffsetsPartitions) => new()
    {
        OffsetsTopicNumPartitions = offsetsPartitions,
        GroupInitialRebalanceDelayMs = initialDelayMs,
        GroupMinSessionTimeoutMs = 10,
        GroupMaxSessionTimeoutMs = 60_000,
        OffsetsRetentionMinutes = retentionMinutes,
    };

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ingesthub-groups-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static GroupCoordinator Coordinator(string dir, BrokerOptions options, TimeProvider? time = null, IPartitionEndOffsets? endOffsets = null) =>
        new(options, dir, NullLoggerFactory.Instance, time ?? TimeProvider.System, endOffsets ?? new FixedEndOffsets(100, "logs", "events"));

    public static JoinGroupRequest Join(string group, string memberId = "", string assignor = "range", string protocolType = "consumer",
        int sessionMs = 10_000, int rebalanceMs = 10_000, string? instanceId = null, byte[]? metadata = null) => new()
        {
            GroupId = group,
            MemberId = memberId,
            SessionTimeoutMs = sessionMs,
            RebalanceTimeoutMs = rebalanceMs,
            GroupInstanceId = instanceId,
            ProtocolType = protocolType,
            Protocols = [new JoinGroupRequest.Protocol { Name = assignor, Metadata = metadata ?? [1, 2, 3] }],
        };

    public static SyncGroupRequest Sync(string group, JoinGroupResponse joined, params (string MemberId, byte[] Bytes)[] assignments)
    {
        var request = new SyncGroupRequest { GroupId = group, GenerationId = joined.GenerationId, MemberId = joined.MemberId };
        foreach (var (memberId, bytes) in assignments)
            request.Assignments.Add(new SyncGroupRequest.Assignment { MemberId = memberId, Bytes = bytes });
        return request;
    }

    public static HeartbeatRequest Heartbeat(string group, JoinGroupResponse joined) =>
        new() { GroupId = group, GenerationId = joined.GenerationId, MemberId = joined.MemberId };

    public static async Task Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("Condition not met within " + timeout);
            await Task.Delay(10);
        }
    }
}
