using System.Collections.Concurrent;
using IngestHub.Protocol;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Groups;

/// <summary>
/// Coordinator of every consumer group on this broker: membership and rebalances (Kafka's classic protocol),
/// committed offsets and their expiry. Each group has one lock, never held across an await; JoinGroup and
/// SyncGroup requests that must wait hold a TaskCompletionSource that the state machine completes. A
/// background loop drives deadlines (session expiry, rebalance timeouts, the initial rebalance delay, offset
/// retention) and compacts the offsets log.
/// </summary>
public sealed partial class GroupCoordinator : IAsyncDisposable
{
    /// <summary>offset.metadata.max.bytes.</summary>
    public const int MaxMetadataLength = 4096;
    /// <summary>Compact the offsets log into a snapshot once it grows past this.</summary>
    private const long SnapshotThresholdBytes = 8L * 1024 * 1024;
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

    public GroupCoordinator(BrokerOptions options, string dataDir, ILoggerFactory loggerFactory, TimeProvider time, IPartitionEndOffsets endOffsets)
    {
        _options = options;
        _time = time;
        _endOffsets = endOffsets;
        _logger = loggerFactory.CreateLogger<GroupCoordinator>();
        _store = new OffsetStore(Path.Combine(dataDir, "__consumer_offsets"), _logger);
        // Groups known only by their offsets come back Empty; without a record of when they emptied, retention
        // counts from their newest commit.
        foreach (string groupId in _store.GroupIds())
        {
            long newest = 0;
            foreach (var (_, offset) in _store.GetAll(groupId))
                newest = Math.Max(newest, offset.CommitTimestampMs);
            _groups[groupId] = new GroupMetadata(groupId, newest);
        }
    }

    /// <summary>How often deadlines are checked; their precision.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Start()
    {
        if (_loop is not null)
            return;
        _loopCancellation = new CancellationTokenSource();
        _loop = RunAsync(_loopCancellation.Token);
    }

    /// <summary>Stops the deadline loop, fails waiting requests with COORDINATOR_NOT_AVAILABLE and writes a
    /// final offsets snapshot.</summary>
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
        try
        {
            _store.WriteSnapshot();
        }
        catch (IOException e)
        {
            _logger.LogError(e, "Could not write the offsets snapshot at shutdown; the offsets log still holds every commit");
        }
        _store.Dispose();
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
                if (_store.LogLength > SnapshotThresholdBytes)
                    _store.WriteSnapshot();
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
                if (group.State == GroupState.Empty)
                    ExpireOffsets(group, now);
            }
        }
    }
}
