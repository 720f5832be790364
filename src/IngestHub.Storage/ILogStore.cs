using Microsoft.Extensions.Logging;

namespace IngestHub.Storage;

/// <summary>
/// All partition logs of a broker: opens them at start, creates and deletes them, runs their periodic retention and
/// flush. <see cref="LogDirectory"/> keeps them in a data directory.
/// </summary>
public interface ILogStore : IDisposable
{
    /// <summary>Whether the last stop was clean (always true for a store that keeps nothing across restarts).</summary>
    bool WasCleanShutdown { get; }

    IReadOnlyList<IPartitionLog> Partitions { get; }

    bool TryGet(string topic, int partition, out IPartitionLog log);

    /// <summary>Returns the partition's log, creating it when new.</summary>
    IPartitionLog GetOrCreate(string topic, int partition, LogConfig? config = null);

    /// <summary>Closes the partition and deletes what it holds; false when it does not exist.</summary>
    bool Delete(string topic, int partition);

    /// <summary>Periodic work for every partition: retention, then flush; returns the number of segments deleted.</summary>
    int RunMaintenance(long nowMs);

    /// <summary>Closes every partition cleanly.</summary>
    void Close();
}

/// <summary>Opens the log store of a broker: on disk (<see cref="Disk"/>, the default) or in memory
/// (<c>Memory</c>: nothing survives a restart; for tests and throwaway brokers).</summary>
public interface ILogEngine
{
    /// <summary><paramref name="configFor"/> gives a topic's config for partitions found at open.</summary>
    ILogStore Open(string dataDir, Func<string, LogConfig> configFor, ILoggerFactory loggerFactory, TimeProvider? time = null);

    public static ILogEngine Disk { get; } = new DiskLogEngine();

    private sealed class DiskLogEngine : ILogEngine
    {
        public ILogStore Open(string dataDir, Func<string, LogConfig> configFor, ILoggerFactory loggerFactory, TimeProvider? time = null) =>
            LogDirectory.Open(dataDir, configFor, loggerFactory, time);

        public override string ToString() => "disk";
    }
}
