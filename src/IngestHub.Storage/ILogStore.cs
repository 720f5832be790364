using System.ComponentModel;
using System.Globalization;
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

/// <summary>Opens the log store of a broker: on disk (<see cref="Disk"/>, "disk", the default: segment files in the
/// data directory, see docs/storage-format.md) or in memory (<see cref="Memory"/>, "memory": nothing survives a
/// restart; for tests and throwaway appliances). Configuration names an engine by those words
/// (<see cref="FromName"/>).</summary>
[TypeConverter(typeof(LogEngineConverter))]
public interface ILogEngine
{
    /// <summary><paramref name="configFor"/> gives a topic's config for partitions found at open.</summary>
    ILogStore Open(string dataDir, Func<string, LogConfig> configFor, ILoggerFactory loggerFactory, TimeProvider? time = null);

    public static ILogEngine Disk { get; } = new DiskLogEngine();

    public static ILogEngine Memory { get; } = new MemoryLogEngine();

    /// <summary>"disk" or "memory" (any case); throws <see cref="ArgumentException"/> for anything else.</summary>
    public static ILogEngine FromName(string name) => name.Trim().ToLowerInvariant() switch
    {
        "disk" => Disk,
        "memory" => Memory,
        _ => throw new ArgumentException($"unknown log engine '{name}' (expected disk or memory)", nameof(name)),
    };

    private sealed class DiskLogEngine : ILogEngine
    {
        public ILogStore Open(string dataDir, Func<string, LogConfig> configFor, ILoggerFactory loggerFactory, TimeProvider? time = null) =>
            LogDirectory.Open(dataDir, configFor, loggerFactory, time);

        public override string ToString() => "disk";
    }

    private sealed class MemoryLogEngine : ILogEngine
    {
        public ILogStore Open(string dataDir, Func<string, LogConfig> configFor, ILoggerFactory loggerFactory, TimeProvider? time = null) =>
            new MemoryLogStore(configFor, time, loggerFactory);

        public override string ToString() => "memory";
    }
}

/// <summary>Lets configuration binding set an <see cref="ILogEngine"/> from its name ("disk", "memory").</summary>
public sealed class LogEngineConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string name ? ILogEngine.FromName(name) : base.ConvertFrom(context, culture, value);

    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) =>
        destinationType == typeof(string) || base.CanConvertTo(context, destinationType);

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is ILogEngine engine ? engine.ToString() : base.ConvertTo(context, culture, value, destinationType);
}
