using System.Collections.Concurrent;
using IngestHub.Broker.Cluster;
using IngestHub.Broker.Logs;
using IngestHub.Broker.Metadata;
using IngestHub.Protocol;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

/// <summary>
/// Coordinator of every consumer group on this broker: membership and rebalances (Kafka's classic protocol),
/// committed offsets and their expiry. Each group has one lock, never held across an await; JoinGroup and
/// SyncGroup requests that must wait hold a TaskCompletionSource that the state machine completes. A
/// background loop drives deadlines (session expiry, rebalance timeouts, the initial rebalance delay, offset
/// retention). Committed offsets and group metadata are records of the internal topic <c>__consumer_offsets</c>
/// (<see cref="OffsetStore"/>), read back at start.
/// </summary>
public sealed partial class GroupCoordinator : IAsyncDisposable
{
    /// <summary>offset.metadata.max.bytes.</summary>
    public const int MaxMetadataLength = 4096;
    /// <summary>An Empty group with no offsets is forgotten after this long.</summary>
    private const long EmptyGroupGraceMs = 60_000;

    private readonly BrokerOptions _options;
    private readonly TimeProvider _time;
    private readonly IPartitionEndOffsets _endOffsets;
    private readonly ILogger<GroupCoordinator> _logger;
    private readonly OffsetStore _store;
    private readonly ConcurrentDictionary<string, GroupMetadata> _groups = new(StringComparer.Ordinal);
    private CancellationTokenSource? _loopCancellation;
    private Task? _loop;
    private volatile bool _stopped;

    private readonly TopicRegistry? _ownedTopics;

    /// <summary>A coordinator over the broker's topics: its state is the <c>__consumer_offsets</c> topic of
    /// <paramref name="topics"/>, created there when first written (or asked for by name).</summary>
    public GroupCoordinator(BrokerOptions options, TopicRegistry topics, ILoggerFactory loggerFactory, TimeProvider time, IPartitionEndOffsets endOffsets)
        : this(options, topics, owned: false, loggerFactory, time, endOffsets)
    {
    }

    /// <summary>A coordinator that opens the topics of <paramref name="dataDir"/> itself and closes them when it stops.</summary>
    public GroupCoordinator(BrokerOptions options, string dataDir, ILoggerFactory loggerFactory, TimeProvider time, IPartitionEndOffsets endOffsets)
        : this(options, OpenTopics(options, dataDir, loggerFactory), owned: true, loggerFactory, time, endOffsets)
    {
    }

    /// <summary>A coordinator of a replicated broker: it coordinates only the groups whose <c>__consumer_offsets</c>
    /// partition this broker leads in <paramref name="cluster"/>, loading them when it becomes that partition's
    /// leader (<see cref="OnOffsetsPartitionLeadership"/>); commits wait for the in-sync replicas.</summary>
    public GroupCoordinator(BrokerOptions options, TopicRegistry topics, ILoggerFactory loggerFactory, TimeProvider time, IPartitionEndOffsets endOffsets, IBrokerCluster cluster)
        : this(options, topics, owned: false, loggerFactory, time, endOffsets, cluster)
    {
    }

    private GroupCoordinator(BrokerOptions options, TopicRegistry topics, bool owned, ILoggerFactory loggerFactory, TimeProvider time, IPartitionEndOffsets endOffsets,
        IBrokerCluster? cluster = null)
    {
        _cluster = cluster;
        _options = options;
        _time = time;
        _endOffsets = endOffsets;
        _logger = loggerFactory.CreateLogger<GroupCoordinator>();
        _ownedTopics = owned ? topics : null;
        try
        {
            topics.DeclareBrokerTopic(TopicName.ConsumerOffsets, options.OffsetsTopicNumPartitions, new Dictionary<string, string>
            {
                [TopicConfig.CleanupPolicy] = "compact",
                [TopicConfig.SegmentBytes] = options.OffsetsTopicSegmentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            _store = new OffsetStore(topics, _logger, time, cluster);
            if (cluster is null)
                MigrateFormerOffsetsFile(topics.DataDir);
        }
        catch
        {
            _ownedTopics?.Close();
            throw;
        }
        RestoreGroups(static _ => true);
    }

    private static TopicRegistry OpenTopics(BrokerOptions options, string dataDir, ILoggerFactory loggerFactory)
    {
        var topics = new TopicRegistry(options.WithDataDir(dataDir), loggerFactory);
        topics.Open();
        return topics;
    }

    /// <summary>A data directory of an earlier version keeps its offsets in a file of its own: they are written to the
    /// topic (and fsynced) once, then the file is deleted.</summary>
    private void MigrateFormerOffsetsFile(string dataDir)
    {
        if (!LegacyOffsetFiles.Exist(dataDir))
            return;
        var offsets = LegacyOffsetFiles.Read(dataDir, _logger);
        _store.Import(offsets);
        LegacyOffsetFiles.Retire(dataDir);
        _logger.LogInformation("Migrated the committed offsets of {Groups} groups ({Offsets} partitions) from {Folder} to topic {Topic}; the former files are deleted",
            offsets.Count, offsets.Values.Sum(m => m.Count), LegacyOffsetFiles.Folder(dataDir), TopicName.ConsumerOffsets);
    }

    /// <summary>
    /// Groups come back from the topic as Kafka's coordinator loads them: a group whose last metadata record lists
    /// members is Stable in that generation, with its protocol, leader, members and their assignments, and each
    /// member must heartbeat within its session timeout counted from now (one that does not is removed, and a
    /// rebalance follows); a group without members is Empty. Consumers that reconnect in time keep their member id,
    /// generation and partitions. Offset retention of an Empty group counts from when the stored metadata says it
    /// emptied, and for a group known only by its offsets from its newest commit.
    /// </summary>
    private void RestoreGroups(Func<string, bool> include)
    {
        long now = NowMs;
        foreach (string groupId in _store.GroupIds())
        {
            if (!include(groupId))
                continue;
            long newest = 0;
            foreach (var (_, offset) in _store.GetAll(groupId))
                newest = Math.Max(newest, offset.CommitTimestampMs);
            _groups[groupId] = new GroupMetadata(groupId, newest);
        }
        foreach (var (groupId, stored) in _store.LoadedGroups)
        {
            if (!include(groupId))
                continue;
            var group = _groups.GetOrAdd(groupId, static (id, now) => new GroupMetadata(id, now), now);
            group.GenerationId = stored.Generation;
            group.ProtocolType = stored.ProtocolType.Length == 0 ? null : stored.ProtocolType;
            if (stored.Members.Count == 0)
            {
                if (stored.CurrentStateTimestamp > 0)
                    group.StateSinceMs = stored.CurrentStateTimestamp;
                continue;
            }
            group.ProtocolName = stored.Protocol;
            foreach (var storedMember in stored.Members)
            {
                var member = new GroupMember(storedMember.MemberId, storedMember.GroupInstanceId, storedMember.ClientId, storedMember.ClientHost)
                {
                    SessionTimeoutMs = storedMember.SessionTimeout,
                    RebalanceTimeoutMs = storedMember.RebalanceTimeout > 0 ? storedMember.RebalanceTimeout : storedMember.SessionTimeout,
                    // Kafka keeps only the chosen protocol's subscription: that is the member's one protocol now.
                    Protocols = stored.Protocol is null ? [] : [new(stored.Protocol, storedMember.Subscription.ToArray())],
                    Assignment = storedMember.Assignment.ToArray(),
                    LastHeartbeatMs = now,
                };
                group.Members.Add(member);
                if (member.GroupInstanceId is not null)
                    group.StaticMembers[member.GroupInstanceId] = member.MemberId;
            }
            group.LeaderId = stored.Leader is not null && group.Find(stored.Leader) is not null ? stored.Leader : group.Members[0].MemberId;
            group.State = GroupState.Stable;
            group.StateSinceMs = now;
            _logger.LogInformation("Group {Group} restored Stable in generation {Generation} with {Members} members; they must heartbeat within their session timeout",
                groupId, group.GenerationId, group.Members.Count);
        }
    }

    /// <summary>How often deadlines are checked; their precision.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Start()
    {
        if (_loop is not null)
            return;
        // Consumer-protocol groups name topics by id: they are restored once the topic catalog is known.
        RestoreConsumerGroups(NowMs, static _ => true);
        _loopCancellation = new CancellationTokenSource();
        _loop = RunAsync(_loopCancellation.Token);
    }

    /// <summary>Stops the deadline loop and fails waiting requests with COORDINATOR_NOT_AVAILABLE.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        if (_loopCancellation is not null)
        {
            await _loopCancellation.CancelAsync();
            try
            {
                if (_loop is not null)
                    await _loop;
            }
            catch (OperationCanceledException)
            {
            }
            _loopCancellation.Dispose();
            _loopCancellation = null;
            _loop = null;
        }
        foreach (var group in _groups.Values)
        {
            lock (group.Gate)
            {
                foreach (var member in group.Members)
                {
                    member.JoinWaiter?.TrySetResult(JoinError(ErrorCode.CoordinatorNotAvailable, member.MemberId));
                    member.SyncWaiter?.TrySetResult(SyncError(ErrorCode.CoordinatorNotAvailable));
                    member.JoinWaiter = null;
                    member.SyncWaiter = null;
                }
            }
        }
        _store.Dispose();
        _ownedTopics?.Close();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
            await StopAsync();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TickInterval, _time);
        int failures = 0;
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                Tick();
                failures = 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Back off so a persistent failure (full disk) does not flood the log.
                failures++;
                _logger.LogError(e, "Group coordinator deadline pass failed ({Failures} in a row)", failures);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * failures)), _time, cancellationToken);
            }
        }
    }

    /// <summary>One pass over every group's deadlines. The background loop calls this; tests with a fake clock
    /// call it after advancing time.</summary>
    internal void Tick()
    {
        long now = NowMs;
        foreach (var group in _groups.Values)
        {
            lock (group.Gate)
            {
                ExpireDeadlines(group, now);
                if (group.State == GroupState.Empty && !IsConsumerGroup(group.GroupId))
                    ExpireOffsets(group, now);
            }
        }
        ExpireConsumerGroupMembers(now);
    }
}
