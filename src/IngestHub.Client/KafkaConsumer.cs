using IngestHub.Client.Internal;
using IngestHub.Protocol;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Client;

/// <summary>
/// Kafka consumer: group membership with <see cref="Subscribe"/> (or manual <see cref="Assign(IEnumerable{TopicPartition})"/>),
/// background prefetch per broker, commits of processed offsets, pause/resume and seek.
/// <see cref="ConsumeAsync"/> is meant to be called from one task at a time; the other members are thread-safe.
/// </summary>
public sealed class KafkaConsumer : IAsyncDisposable
{
    private readonly ConsumerOptions _options;
    private readonly ILogger _logger;
    private readonly ClusterClient _cluster;
    private readonly ConsumerFetcher _fetcher;
    private readonly GroupMembership? _membership;
    private readonly CancellationTokenSource _stop = new();
    private Task _autoCommit = Task.CompletedTask;
    private int _disposed;

    public KafkaConsumer(ConsumerOptions options, ILogger<KafkaConsumer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _cluster = new ClusterClient(options, _logger);
        _fetcher = new ConsumerFetcher(options, _cluster, _logger, options.GroupId is null ? null : FetchCommittedAsync);
        if (options.GroupId is not null)
            _membership = new GroupMembership(options, _cluster, _logger, OnAssignedAsync, OnRevokedAsync);
        _fetcher.Start();
        if (options.GroupId is not null && options.EnableAutoCommit)
            _autoCommit = Task.Run(AutoCommitLoopAsync);
    }

    /// <summary>Called on the membership task after a rebalance with the new assignment.</summary>
    public Action<IReadOnlyList<TopicPartition>>? PartitionsAssigned { get; set; }

    /// <summary>Called on the membership task before the consumer rejoins or leaves (commit here if needed).</summary>
    public Action<IReadOnlyList<TopicPartition>>? PartitionsRevoked { get; set; }

    /// <summary>Awaited on the membership task before the consumer rejoins or leaves, after
    /// <see cref="PartitionsRevoked"/>: finish and commit work in hand here without blocking a thread.</summary>
    public Func<IReadOnlyList<TopicPartition>, Task>? PartitionsRevokedAsync { get; set; }

    public IReadOnlyList<TopicPartition> Assignment => _fetcher.Assignment;

    /// <summary>The group member id, or empty outside a group.</summary>
    public string MemberId => _membership?.MemberId ?? "";

    /// <summary>Why the consumer is not in its group right now (the last join attempt's error, e.g. a refused
    /// login or GROUP_AUTHORIZATION_FAILED); null while it is a member, and without a group.</summary>
    public string? GroupError => _membership?.LastError;

    internal ClusterClient Cluster => _cluster;

    /// <summary>Joins the group (group.id) for these topics; partitions arrive through rebalances.</summary>
    public void Subscribe(IEnumerable<string> topics)
    {
        if (_membership is null)
            throw new InvalidOperationException("Subscribe needs group.id; use Assign without a group");
        _membership.Subscribe([.. topics]);
    }

    /// <summary>Consumes exactly these partitions (no group membership), starting at the committed offset when
    /// group.id is set, else per auto.offset.reset.</summary>
    public void Assign(IEnumerable<TopicPartition> partitions) => Assign(partitions.Select(p => new TopicPartitionOffset(p, -1)));

    /// <summary>Consumes these partitions from the given offsets (an offset below 0 resolves as above).</summary>
    public void Assign(IEnumerable<TopicPartitionOffset> partitions)
    {
        var list = partitions.ToList();
        _cluster.Track(list.Select(p => p.Topic).Distinct());
        _fetcher.SetAssignment(list);
    }

    /// <summary>The next record; waits until one is available. A fetched batch that cannot be decoded is raised here,
    /// in offset order, as a <see cref="RecordBatchDecodeException"/> naming its partition and offset range; the
    /// position has then already moved past it, so the next call continues with the records after it.</summary>
    /// <exception cref="RecordBatchDecodeException">The next offsets of a partition are in a batch that cannot be decoded.</exception>
    public ValueTask<ConsumeResult> ConsumeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _fetcher.ConsumeAsync(cancellationToken);
    }

    /// <summary>The next record, or null when none arrives within <paramref name="timeout"/>. Undecodable batches are
    /// raised as <see cref="RecordBatchDecodeException"/>, as by <see cref="ConsumeAsync(CancellationToken)"/>.</summary>
    public async Task<ConsumeResult?> ConsumeAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        // Buffered records are returned without arming a timer: the timed path is for waiting only.
        if (_fetcher.TryConsume(out var buffered))
            return buffered;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            return await ConsumeAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Pause(IEnumerable<TopicPartition> partitions) => _fetcher.SetPaused(partitions, true);

    public void Resume(IEnumerable<TopicPartition> partitions) => _fetcher.SetPaused(partitions, false);

    /// <summary>Next consumption of <paramref name="partition"/> starts at <paramref name="offset"/>.</summary>
    public void Seek(TopicPartition partition, long offset) => _fetcher.Seek(partition, offset);

    /// <summary>The next offset this consumer will return for the partition (-1 when not yet known).</summary>
    public long Position(TopicPartition partition) => _fetcher.Position(partition);

    /// <summary>Commits the positions of all assigned partitions (last consumed + 1).</summary>
    public Task CommitAsync(CancellationToken cancellationToken = default) => CommitAsync(_fetcher.Positions(), cancellationToken);

    /// <summary>Commits the given offsets (each the next offset to consume).</summary>
    public async Task CommitAsync(IEnumerable<TopicPartitionOffset> offsets, CancellationToken cancellationToken = default)
    {
        string groupId = _options.GroupId ?? throw new InvalidOperationException("committing needs group.id");
        var request = new OffsetCommitRequest
        {
            GroupId = groupId,
            GenerationId = _membership?.GenerationId ?? -1,
            MemberId = _membership?.MemberId ?? "",
            GroupInstanceId = _options.GroupInstanceId,
        };
        foreach (var group in offsets.GroupBy(o => o.Topic))
        {
            var topic = new OffsetCommitRequest.Topic { Name = group.Key };
            foreach (var offset in group)
                topic.Partitions.Add(new OffsetCommitRequest.Partition { PartitionIndex = offset.Partition, CommittedOffset = offset.Offset });
            request.Topics.Add(topic);
        }
        if (request.Topics.Count == 0)
            return;
        for (int attempt = 0; ; attempt++)
        {
            ErrorCode error = ErrorCode.None;
            try
            {
                int coordinator = await _cluster.FindCoordinatorAsync(groupId, cancellationToken);
                var response = await _cluster.SendToCoordinatorAsync<OffsetCommitRequest, OffsetCommitResponse>(coordinator, request, cancellationToken);
                foreach (var topic in response.Topics)
                {
                    foreach (var partition in topic.Partitions)
                    {
                        if (partition.ErrorCode != ErrorCode.None)
                            error = partition.ErrorCode;
                    }
                }
            }
            catch (KafkaException ex) when (ex.IsRetriable)
            {
                error = ex.ErrorCode;
            }
            if (error == ErrorCode.None)
                return;
            if (error is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration && _membership is not null && attempt < 5)
            {
                await AwaitRejoinAsync(groupId, request, cancellationToken);
                continue;
            }
            if (error is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.NetworkException or ErrorCode.RequestTimedOut)
                _cluster.InvalidateCoordinator(groupId);
            bool retry = error is ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable or ErrorCode.CoordinatorLoadInProgress
                or ErrorCode.NetworkException or ErrorCode.RequestTimedOut;
            if (!retry || attempt >= 5)
                throw new KafkaException(error, $"OffsetCommit for group {groupId} failed: {error} ({(short)error})");
            await Task.Delay(_options.RetryBackoffMs, cancellationToken);
        }
    }

    /// <summary>
    /// A commit refused because the group is rebalancing is sent again once this member has rejoined (the
    /// membership rejoins in the background), with the new generation, if the partitions are still this member's.
    /// Reports clearly when the rejoin does not happen within the session timeout or the partitions moved.
    /// </summary>
    private async Task AwaitRejoinAsync(string groupId, OffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var membership = _membership!;
        int generation = request.GenerationId;
        var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(Math.Max(_options.SessionTimeoutMs, _options.RetryBackoffMs));
        while (membership.GenerationId == generation || membership.GenerationId < 0)
        {
            if (DateTime.UtcNow >= deadline)
                throw new KafkaException(ErrorCode.RebalanceInProgress,
                    $"OffsetCommit for group {groupId} was refused during a rebalance and the member did not rejoin within {_options.SessionTimeoutMs} ms; the offsets are not committed");
            await Task.Delay(_options.RetryBackoffMs, cancellationToken);
        }
        var assigned = membership.Assigned.ToHashSet();
        var moved = request.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p.PartitionIndex))).Where(tp => !assigned.Contains(tp)).ToList();
        if (moved.Count > 0)
            throw new KafkaException(ErrorCode.RebalanceInProgress,
                $"OffsetCommit for group {groupId} was refused during a rebalance, after which {string.Join(", ", moved)} belong to another member; those offsets are not committed");
        _logger.LogInformation("Group {Group} rebalanced during a commit; committing again in generation {Generation}", groupId, membership.GenerationId);
        request.GenerationId = membership.GenerationId;
        request.MemberId = membership.MemberId;
    }

    /// <summary>Synchronous <see cref="CommitAsync(CancellationToken)"/>.</summary>
    public void Commit() => CommitAsync().GetAwaiter().GetResult();

    /// <summary>Synchronous <see cref="CommitAsync(IEnumerable{TopicPartitionOffset}, CancellationToken)"/>.</summary>
    public void Commit(IEnumerable<TopicPartitionOffset> offsets) => CommitAsync(offsets).GetAwaiter().GetResult();

    /// <summary>The group's committed offsets for these partitions (-1 when none).</summary>
    public async Task<IReadOnlyList<TopicPartitionOffset>> CommittedAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default)
    {
        var list = partitions.ToList();
        var committed = await FetchCommittedAsync(list, cancellationToken);
        return list.ConvertAll(p => new TopicPartitionOffset(p, committed.GetValueOrDefault(p, -1)));
    }

    private Task<Dictionary<TopicPartition, long>> FetchCommittedAsync(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken) =>
        GroupOffsets.FetchAsync(_cluster, _options.GroupId!, partitions, cancellationToken);

    private Task OnAssignedAsync(IReadOnlyList<TopicPartition> partitions)
    {
        _cluster.Track(partitions.Select(p => p.Topic).Distinct());
        _fetcher.SetAssignment(partitions.Select(p => new TopicPartitionOffset(p, -1)));
        Invoke(PartitionsAssigned, partitions, "PartitionsAssigned");
        return Task.CompletedTask;
    }

    private async Task OnRevokedAsync(IReadOnlyList<TopicPartition> partitions)
    {
        // From here on no record of a revoked partition is handed out (its position is kept for the commit below):
        // an application consuming on another task cannot pick up a record its revoke handler will not see.
        _fetcher.SetPaused(partitions, true);
        Invoke(PartitionsRevoked, partitions, "PartitionsRevoked");
        if (PartitionsRevokedAsync is { } revoked)
        {
            try
            {
                await revoked(partitions);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "PartitionsRevokedAsync handler threw");
            }
        }
        if (_options.EnableAutoCommit)
            await CommitQuietlyAsync();
        _fetcher.SetAssignment([]);
    }

    private void Invoke(Action<IReadOnlyList<TopicPartition>>? handler, IReadOnlyList<TopicPartition> partitions, string name)
    {
        try
        {
            handler?.Invoke(partitions);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "{Handler} handler threw", name);
        }
    }

    private async Task AutoCommitLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.AutoCommitIntervalMs, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await CommitQuietlyAsync();
        }
    }

    private async Task CommitQuietlyAsync()
    {
        try
        {
            await CommitAsync(CancellationToken.None);
        }
        catch (KafkaException ex)
        {
            _logger.LogWarning("Auto-commit failed: {Error}", ex.Message);
        }
    }

    /// <summary>Commits (with auto-commit), runs the revoke handler, leaves the group and closes connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _stop.Cancel();
        await _autoCommit;
        if (_membership is not null)
            await _membership.DisposeAsync();
        else if (_options.GroupId is not null && _options.EnableAutoCommit)
            await CommitQuietlyAsync();
        await _fetcher.DisposeAsync();
        await _cluster.DisposeAsync();
        _stop.Dispose();
    }
}
