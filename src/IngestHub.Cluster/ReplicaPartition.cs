using IngestHub.Broker.Cluster;
using IngestHub.Broker.Logs;
using IngestHub.Protocol;

namespace IngestHub.Cluster;

/// <summary>
/// This broker's part in one partition: leader (tracks each follower's log end offset, keeps the high watermark at
/// the smallest log end offset of the ISR, proposes ISR changes) or follower (a fetcher copies the leader's log), at
/// the leader epoch the cluster assigned.
/// </summary>
internal sealed class ReplicaPartition(PartitionState local, int nodeId)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, FollowerProgress> _followers = [];
    private TaskCompletionSource _highWatermarkMoved = NewSignal();

    public PartitionState Local { get; } = local;
    public ReplicaRole Role { get; private set; } = ReplicaRole.None;
    public int LeaderEpoch { get; private set; } = -1;
    public int LeaderId { get; private set; } = -1;
    /// <summary>The state as last read from etcd.</summary>
    public PartitionReplicas? Published { get; private set; }
    /// <summary>The follower's fetcher (null unless following).</summary>
    public CancellationTokenSource? Fetcher { get; set; }
    public Task? FetcherTask { get; set; }

    private sealed class FollowerProgress
    {
        public long LogEndOffset = -1;
        public long LastCaughtUpMs;
        public long LastFetchLeaderEnd = -1;
        public long LastFetchMs;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Records what etcd says; returns true when this broker's role or epoch changes.</summary>
    public bool Observe(PartitionRecord record, long nowMs)
    {
        var published = new PartitionReplicas(record.Leader, record.LeaderEpoch, [.. record.Replicas], [.. record.Isr]);
        lock (_gate)
        {
            Published = published;
            var role = !record.Replicas.Contains(nodeId) || record.Leader < 0 ? ReplicaRole.None
                : record.Leader == nodeId ? ReplicaRole.Leader : ReplicaRole.Follower;
            bool changed = role != Role || record.LeaderEpoch != LeaderEpoch || record.Leader != LeaderId;
            if (changed)
            {
                Role = role;
                LeaderEpoch = record.LeaderEpoch;
                LeaderId = record.Leader;
                _followers.Clear();
                if (role == ReplicaRole.Leader)
                {
                    foreach (int replica in record.Replicas)
                        if (replica != nodeId)
                            _followers[replica] = new FollowerProgress { LastCaughtUpMs = nowMs };
                }
                if (role != ReplicaRole.None)
                    Local.AdoptLeaderEpoch(record.LeaderEpoch, role == ReplicaRole.Leader);
                if (role == ReplicaRole.Leader && !Local.Log.HasReplicatedHighWatermark)
                    Local.Log.SetHighWatermark(0);
            }
            if (Role == ReplicaRole.Leader)
                AdvanceHighWatermarkLocked();
            else
                WakeLocked();
            return changed;
        }
    }

    public bool IsLeader(int epoch = -1)
    {
        lock (_gate)
            return Role == ReplicaRole.Leader && (epoch < 0 || epoch == LeaderEpoch);
    }

    public int IsrCount
    {
        get
        {
            lock (_gate)
                return Published?.Isr.Count ?? 0;
        }
    }

    /// <summary>A follower fetched from <paramref name="fetchOffset"/>: that is its log end offset.</summary>
    public ErrorCode OnFollowerFetch(int replicaId, long fetchOffset, long nowMs)
    {
        lock (_gate)
        {
            if (Role != ReplicaRole.Leader)
                return ErrorCode.NotLeaderOrFollower;
            if (!_followers.TryGetValue(replicaId, out var progress))
                return ErrorCode.NotLeaderOrFollower;
            long leaderEnd = Local.Log.LogEndOffset;
            // Kafka's rule: caught up now when it asks for the log end; caught up as of its previous fetch when it
            // asks for what was the log end then.
            if (fetchOffset >= leaderEnd)
                progress.LastCaughtUpMs = nowMs;
            else if (progress.LastFetchLeaderEnd >= 0 && fetchOffset >= progress.LastFetchLeaderEnd)
                progress.LastCaughtUpMs = Math.Max(progress.LastCaughtUpMs, progress.LastFetchMs);
            progress.LogEndOffset = fetchOffset;
            progress.LastFetchLeaderEnd = leaderEnd;
            progress.LastFetchMs = nowMs;
            AdvanceHighWatermarkLocked();
            return ErrorCode.None;
        }
    }

    /// <summary>The leader appended: with an ISR of one the high watermark follows at once.</summary>
    public void OnAppended()
    {
        lock (_gate)
        {
            if (Role == ReplicaRole.Leader)
                AdvanceHighWatermarkLocked();
        }
    }

    /// <summary>The ISR the leader wants now (lagging followers out, caught-up ones in); null when unchanged or not leader.</summary>
    public List<int>? DesiredIsr(long nowMs, long lagMaxMs, IReadOnlySet<int> alive)
    {
        lock (_gate)
        {
            if (Role != ReplicaRole.Leader || Published is null)
                return null;
            var isr = new List<int>(Published.Isr);
            long hw = Local.Log.HighWatermark;
            bool changed = false;
            foreach (var (replica, progress) in _followers)
            {
                bool inIsr = isr.Contains(replica);
                if (inIsr && nowMs - progress.LastCaughtUpMs > lagMaxMs)
                {
                    isr.Remove(replica);
                    changed = true;
                }
                else if (!inIsr && alive.Contains(replica) && progress.LogEndOffset >= hw && progress.LogEndOffset >= 0
                    && nowMs - progress.LastCaughtUpMs <= lagMaxMs)
                {
                    isr.Add(replica);
                    changed = true;
                }
            }
            if (!isr.Contains(nodeId))
            {
                isr.Insert(0, nodeId);
                changed = true;
            }
            return changed ? isr : null;
        }
    }

    /// <summary>acks=all: waits until the high watermark passes <paramref name="lastOffset"/>.</summary>
    public async Task<ErrorCode> WaitForHighWatermarkAsync(long lastOffset, int timeoutMs, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(Math.Max(0, timeoutMs));
        int epoch;
        lock (_gate)
            epoch = LeaderEpoch;
        while (true)
        {
            Task moved;
            lock (_gate)
            {
                if (Role != ReplicaRole.Leader || LeaderEpoch != epoch)
                    return ErrorCode.NotLeaderOrFollower;
                if (Local.Log.HighWatermark > lastOffset)
                    return ErrorCode.None;
                moved = _highWatermarkMoved.Task;
            }
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
                return ErrorCode.RequestTimedOut;
            try
            {
                await moved.WaitAsync(remaining, cancellationToken);
            }
            catch (TimeoutException)
            {
                return ErrorCode.RequestTimedOut;
            }
        }
    }

    /// <summary>Follower: the leader reported its high watermark.</summary>
    public void FollowHighWatermark(long leaderHighWatermark)
    {
        if (leaderHighWatermark < 0)
            return;
        Local.Log.SetHighWatermark(Math.Min(leaderHighWatermark, Local.Log.LogEndOffset));
    }

    private void AdvanceHighWatermarkLocked()
    {
        var isr = Published?.Isr ?? [];
        long hw = Local.Log.LogEndOffset;
        foreach (int replica in isr)
        {
            if (replica == nodeId)
                continue;
            if (!_followers.TryGetValue(replica, out var progress) || progress.LogEndOffset < 0)
                return; // an ISR member not heard from yet holds the high watermark where it is
            hw = Math.Min(hw, progress.LogEndOffset);
        }
        if (hw > Local.Log.HighWatermark)
        {
            Local.Log.SetHighWatermark(hw);
            Local.Signal.Notify(); // consumers waiting for data below the high watermark
            WakeLocked();
        }
    }

    /// <summary>Wakes acks=all waiters to re-check (high watermark moved, or the role changed).</summary>
    public void Wake()
    {
        lock (_gate)
            WakeLocked();
    }

    private void WakeLocked()
    {
        var previous = _highWatermarkMoved;
        _highWatermarkMoved = NewSignal();
        previous.TrySetResult();
    }
}

internal enum ReplicaRole
{
    None,
    Leader,
    Follower,
}
