using Microsoft.Extensions.Logging;

namespace IngestHub.Storage;

/// <summary>
/// The partition logs of a broker kept in memory (<see cref="MemoryPartitionLog"/>): the store opens empty, and
/// what it holds is gone when it is closed. For tests and throwaway appliances.
/// </summary>
public sealed class MemoryLogStore : ILogStore
{
    private readonly Dictionary<(string Topic, int Partition), MemoryPartitionLog> _partitions = [];
    private readonly Lock _lock = new();
    private readonly Func<string, LogConfig> _configFor;
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private bool _closed;

    public MemoryLogStore(Func<string, LogConfig>? configFor = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        _configFor = configFor ?? (_ => new LogConfig());
        _time = time ?? TimeProvider.System;
        _logger = loggerFactory?.CreateLogger<MemoryLogStore>();
        _logger?.LogInformation("Partition logs are kept in memory: nothing written survives a restart");
    }

    /// <summary>Always true: nothing is kept across a restart, so there is nothing to recover.</summary>
    public bool WasCleanShutdown => true;

    public IReadOnlyList<IPartitionLog> Partitions
    {
        get
        {
            lock (_lock)
                return [.. _partitions.Values];
        }
    }

    public bool TryGet(string topic, int partition, out IPartitionLog log)
    {
        lock (_lock)
        {
            bool found = _partitions.TryGetValue((topic, partition), out var memory);
            log = memory!;
            return found;
        }
    }

    public IPartitionLog GetOrCreate(string topic, int partition, LogConfig? config = null)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_partitions.TryGetValue((topic, partition), out var existing))
                return existing;
            var log = new MemoryPartitionLog(LogDirectory.DirectoryName(topic, partition), config ?? _configFor(topic), _time);
            _partitions[(topic, partition)] = log;
            return log;
        }
    }

    public bool Delete(string topic, int partition)
    {
        MemoryPartitionLog? log;
        lock (_lock)
        {
#pragma warning disable CA2000 // closed right below
            if (!_partitions.Remove((topic, partition), out log))
                return false;
#pragma warning restore CA2000
        }
        log.Close();
        return true;
    }

    public int RunMaintenance(long nowMs)
    {
        int deleted = 0;
        foreach (var log in Partitions)
            deleted += log.ApplyRetention(nowMs);
        return deleted;
    }

    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
                return;
            _closed = true;
            foreach (var log in _partitions.Values)
                log.Close();
        }
    }

    public void Dispose() => Close();
}
