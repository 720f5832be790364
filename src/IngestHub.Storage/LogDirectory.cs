using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IngestHub.Storage;

/// <summary>
/// The data directory holding every partition (<c>&lt;topic&gt;-&lt;partition&gt;</c> subdirectories). Owns the
/// clean-shutdown marker: present on open means the last stop was clean (partitions trust their files);
/// absent means each partition recovers from its recovery point.
/// </summary>
public sealed class LogDirectory : ILogStore
{
    public const string CleanShutdownFile = ".clean-shutdown";

    private readonly Dictionary<(string Topic, int Partition), PartitionLog> _partitions = [];
    private readonly object _lock = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<string, LogConfig> _configFor;
    private bool _closed;

    public string Path { get; }
    /// <summary>Whether the marker was found on open.</summary>
    public bool WasCleanShutdown { get; }

    private LogDirectory(string path, Func<string, LogConfig> configFor, ILoggerFactory loggerFactory, TimeProvider time, bool clean)
    {
        Path = path;
        _configFor = configFor;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<LogDirectory>();
        _time = time;
        WasCleanShutdown = clean;
    }

    /// <summary>Opens (creating when absent) the data directory and every partition in it.
    /// <paramref name="configFor"/> gives a topic's config (default: <see cref="LogConfig"/> defaults).</summary>
    public static LogDirectory Open(string path, Func<string, LogConfig>? configFor = null, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        Directory.CreateDirectory(path);
        string marker = System.IO.Path.Combine(path, CleanShutdownFile);
        bool clean = File.Exists(marker);
        var directory = new LogDirectory(path, configFor ?? (_ => new LogConfig()), loggerFactory ?? NullLoggerFactory.Instance, time ?? TimeProvider.System, clean);
        foreach (string sub in Directory.EnumerateDirectories(path))
        {
            if (!TryParseName(System.IO.Path.GetFileName(sub), out string topic, out int partition))
                continue;
            var log = PartitionLog.Open(sub, directory._configFor(topic), clean, directory._loggerFactory.CreateLogger<PartitionLog>(), directory._time);
            directory._partitions[(topic, partition)] = log;
        }
        // Removed only after every partition is open: a crash from here on is an unclean stop.
        File.Delete(marker);
        directory._logger.LogInformation("Opened {Count} partitions in {Path} ({State})",
            directory._partitions.Count, path, clean ? "clean shutdown before" : directory._partitions.Count == 0 ? "no partitions yet" : "recovered after an unclean shutdown");
        return directory;
    }

    public static string DirectoryName(string topic, int partition) => topic + "-" + partition.ToString(CultureInfo.InvariantCulture);

    /// <summary>Splits <c>&lt;topic&gt;-&lt;partition&gt;</c> at the last dash (topics may contain dashes).</summary>
    public static bool TryParseName(string name, out string topic, out int partition)
    {
        int dash = name.LastIndexOf('-');
        topic = dash > 0 ? name[..dash] : "";
        partition = -1;
        return dash > 0 && int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out partition);
    }

    public IReadOnlyList<PartitionLog> Partitions
    {
        get
        {
            lock (_lock)
                return [.. _partitions.Values];
        }
    }

    IReadOnlyList<IPartitionLog> ILogStore.Partitions => Partitions;

    bool ILogStore.TryGet(string topic, int partition, out IPartitionLog log)
    {
        bool found = TryGet(topic, partition, out var concrete);
        log = concrete;
        return found;
    }

    IPartitionLog ILogStore.GetOrCreate(string topic, int partition, LogConfig? config) => GetOrCreate(topic, partition, config);

    public bool TryGet(string topic, int partition, out PartitionLog log)
    {
        lock (_lock)
            return _partitions.TryGetValue((topic, partition), out log!);
    }

    /// <summary>Returns the partition's log, creating its directory when new.</summary>
    public PartitionLog GetOrCreate(string topic, int partition, LogConfig? config = null)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_partitions.TryGetValue((topic, partition), out var existing))
                return existing;
            string dir = System.IO.Path.Combine(Path, DirectoryName(topic, partition));
            var log = PartitionLog.Open(dir, config ?? _configFor(topic), cleanShutdown: true, _loggerFactory.CreateLogger<PartitionLog>(), _time);
            _partitions[(topic, partition)] = log;
            return log;
        }
    }

    /// <summary>Closes the partition and deletes its directory; false when it does not exist.</summary>
    public bool Delete(string topic, int partition)
    {
        PartitionLog? log;
        lock (_lock)
        {
#pragma warning disable CA2000 // Delete below closes the log before it removes the files
            if (!_partitions.Remove((topic, partition), out log))
                return false;
#pragma warning restore CA2000
        }
        log.Delete();
        return true;
    }

    /// <summary>Periodic work for every partition: retention, then flush.ms and recovery-point checkpoints.</summary>
    public int RunMaintenance(long nowMs)
    {
        int deleted = 0;
        foreach (var log in Partitions)
        {
            try
            {
                deleted += log.ApplyRetention(nowMs);
                log.FlushIfDue(nowMs);
            }
            catch (IOException e)
            {
                _logger.LogError(e, "Maintenance failed for {Log}", log.Name);
            }
        }
        return deleted;
    }

    /// <summary>Closes every partition cleanly, then writes the clean-shutdown marker.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed)
                return;
            _closed = true;
            foreach (var log in _partitions.Values)
                log.Close(clean: true);
            string marker = System.IO.Path.Combine(Path, CleanShutdownFile);
            AtomicFile.Write(marker, []);
        }
    }

    public void Dispose() => Close();
}
