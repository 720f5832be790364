using System.Collections.Concurrent;
using System.Globalization;
using IngestHub.Broker.Metadata;
using IngestHub.Protocol;
using IngestHub.Storage;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Logs;

/// <summary>
/// The broker's topics and their partition logs: opens (and recovers) them on start, creates, deletes and
/// grows topics, auto-creates on demand, and persists the topic list. Lookups are lock-free; changes are
/// serialised by one lock and written to <c>topics.json</c> before they are visible.
/// </summary>
public sealed class TopicRegistry : IDisposable
{
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TopicMetadataStore _store;
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, TopicState> _topicsById = new();
    private readonly Lock _changeLock = new();
    private LogDirectory? _logs;

    public TopicRegistry(BrokerOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<TopicRegistry>();
        _store = new TopicMetadataStore(options.DataDir);
    }

    public bool WasCleanShutdown => _logs?.WasCleanShutdown ?? true;
    public ICollection<TopicState> Topics => _topics.Values;
    private LogDirectory Logs => _logs ?? throw new InvalidOperationException("topic registry is not open");

    /// <summary>Loads the topic list and opens every partition log, recovering after an unclean stop.</summary>
    public void Open()
    {
        var records = _store.Load();
        var configs = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var record in records)
            configs[record.Name] = record.Configs;
        _logs = LogDirectory.Open(_options.DataDir, topic => BuildLogConfig(configs.TryGetValue(topic, out var c) ? c : null), _loggerFactory);
        foreach (var record in records)
        {
            var topic = new TopicState(record.Name, record.TopicId, record.Configs, BuildLogConfig(record.Configs));
            var partitions = new PartitionState[record.Partitions];
            for (int i = 0; i < partitions.Length; i++)
                partitions[i] = new PartitionState(record.Name, i, Logs.GetOrCreate(record.Name, i, topic.LogConfig));
            topic.SetPartitions(partitions);
            _topics[record.Name] = topic;
            _topicsById[record.TopicId] = topic;
        }
        foreach (var log in Logs.Partitions)
        {
            if (LogDirectory.TryParseName(Path.GetFileName(log.Directory), out var topic, out _) && !_topics.ContainsKey(topic))
                _logger.LogWarning("Partition directory {Directory} belongs to no known topic; it is left untouched", log.Directory);
        }
    }

    public bool TryGetTopic(string name, out TopicState topic) => _topics.TryGetValue(name, out topic!);

    /// <summary>Looks a topic up by the id it was given at creation (Fetch v13+, Metadata v10+, DeleteTopics v6).</summary>
    public bool TryGetTopic(Guid topicId, out TopicState topic) => _topicsById.TryGetValue(topicId, out topic!);

    public PartitionState? Partition(string topic, int partition) =>
        _topics.TryGetValue(topic, out var state) ? state.Partition(partition) : null;

    /// <summary>Looks a topic up, creating it with the default partition count when auto-creation is allowed.</summary>
    public (TopicState? Topic, ErrorCode Error) GetOrAutoCreate(string name, bool allowAutoCreate)
    {
        if (_topics.TryGetValue(name, out var topic))
            return (topic, ErrorCode.None);
        if (!TopicName.IsValid(name, out _))
            return (null, ErrorCode.InvalidTopicException);
        if (!allowAutoCreate || !_options.AutoCreateTopicsEnable || TopicName.IsInternal(name))
            return (null, ErrorCode.UnknownTopicOrPartition);
        var error = CreateTopic(name, _options.NumPartitions, new Dictionary<string, string>(), validateOnly: false, out _);
        if (error is not ErrorCode.None and not ErrorCode.TopicAlreadyExists)
            return (null, error);
        return _topics.TryGetValue(name, out topic) ? (topic, ErrorCode.None) : (null, ErrorCode.UnknownTopicOrPartition);
    }

    public ErrorCode CreateTopic(string name, int partitions, IReadOnlyDictionary<string, string> configs, bool validateOnly, out string? message)
    {
        message = null;
        if (!TopicName.IsValid(name, out var reason))
        {
            message = reason;
            return ErrorCode.InvalidTopicException;
        }
        if (partitions <= 0)
        {
            message = "Number of partitions must be larger than 0.";
            return ErrorCode.InvalidPartitions;
        }
        foreach (var (key, value) in configs)
        {
            var invalid = TopicConfig.Validate(key, value);
            if (invalid is not null)
            {
                message = invalid;
                return ErrorCode.InvalidConfig;
            }
        }
        lock (_changeLock)
        {
            if (_topics.ContainsKey(name))
            {
                message = $"Topic '{name}' already exists.";
                return ErrorCode.TopicAlreadyExists;
            }
            if (CollidesWithExisting(name, out var other))
            {
                message = $"Topic '{name}' collides with existing topic '{other}' ('.' and '_' are interchangeable in metric names).";
                return ErrorCode.InvalidTopicException;
            }
            if (validateOnly)
                return ErrorCode.None;
            var copy = new Dictionary<string, string>(configs, StringComparer.Ordinal);
            var topic = new TopicState(name, Guid.NewGuid(), copy, BuildLogConfig(copy));
            try
            {
                var states = new PartitionState[partitions];
                for (int i = 0; i < partitions; i++)
                    states[i] = new PartitionState(name, i, Logs.GetOrCreate(name, i, topic.LogConfig));
                topic.SetPartitions(states);
                Persist(topic, add: true);
            }
            catch (IOException ex)
            {
                _logger.LogError(ex, "Creating topic {Topic} failed", name);
                message = ex.Message;
                return ErrorCode.KafkaStorageError;
            }
            _topics[name] = topic;
            _topicsById[topic.TopicId] = topic;
            _logger.LogInformation("Created topic {Topic} with {Partitions} partitions", name, partitions);
            return ErrorCode.None;
        }
    }

    public ErrorCode DeleteTopic(string name)
    {
        lock (_changeLock)
        {
            if (!_topics.TryGetValue(name, out var topic))
                return ErrorCode.UnknownTopicOrPartition;
            _topics.TryRemove(name, out _);
            _topicsById.TryRemove(topic.TopicId, out _);
            Persist(topic, add: false);
            foreach (var partition in topic.Partitions)
            {
                Logs.Delete(name, partition.Index);
                partition.Signal.Notify(); // wake fetches so they see the partition is gone
            }
            _logger.LogInformation("Deleted topic {Topic}", name);
            return ErrorCode.None;
        }
    }

    public ErrorCode AddPartitions(string name, int count, bool validateOnly, out string? message)
    {
        message = null;
        lock (_changeLock)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                message = $"Topic '{name}' does not exist.";
                return ErrorCode.UnknownTopicOrPartition;
            }
            int current = topic.Partitions.Count;
            if (count <= current)
            {
                message = count == current
                    ? $"Topic already has {current} partitions."
                    : $"Topic currently has {current} partitions, which is higher than the requested {count}.";
                return ErrorCode.InvalidPartitions;
            }
            if (validateOnly)
                return ErrorCode.None;
            var states = new PartitionState[count];
            for (int i = 0; i < count; i++)
                states[i] = i < current ? topic.Partitions[i] : new PartitionState(name, i, Logs.GetOrCreate(name, i, topic.LogConfig));
            topic.SetPartitions(states);
            Persist(topic, add: true);
            _logger.LogInformation("Topic {Topic} grew from {From} to {To} partitions", name, current, count);
            return ErrorCode.None;
        }
    }

    /// <summary>Retention (time, size, log start offset), then flush policy and recovery-point checkpoints, for
    /// every partition; returns the number of segments deleted.</summary>
    public int RunMaintenance(long nowMs) => Logs.RunMaintenance(nowMs);

    /// <summary>Flushes partitions whose flush.ms or flush.messages is due.</summary>
    public void FlushIfDue(long nowMs)
    {
        foreach (var log in Logs.Partitions)
            log.FlushIfDue(nowMs);
    }

    public LogConfig BuildLogConfig(IReadOnlyDictionary<string, string>? overrides)
    {
        var config = new LogConfig
        {
            RetentionMs = _options.LogRetentionMs,
            RetentionBytes = _options.LogRetentionBytes,
            SegmentBytes = _options.LogSegmentBytes,
            SegmentMs = _options.LogRollMs,
            MaxMessageBytes = _options.MessageMaxBytes,
            FlushMessages = _options.LogFlushIntervalMessages ?? long.MaxValue,
            FlushMs = _options.LogFlushIntervalMs ?? long.MaxValue,
        };
        if (overrides is null)
            return config;
        foreach (var (key, value) in overrides)
        {
            config = key switch
            {
                TopicConfig.RetentionMs => config with { RetentionMs = ParseLong(value) },
                TopicConfig.RetentionBytes => config with { RetentionBytes = ParseLong(value) },
                TopicConfig.SegmentBytes => config with { SegmentBytes = (int)ParseLong(value) },
                TopicConfig.SegmentMs => config with { SegmentMs = ParseLong(value) },
                TopicConfig.IndexIntervalBytes => config with { IndexIntervalBytes = (int)ParseLong(value) },
                TopicConfig.MaxMessageBytes => config with { MaxMessageBytes = (int)ParseLong(value) },
                TopicConfig.FlushMessages => config with { FlushMessages = ParseLong(value) },
                TopicConfig.FlushMs => config with { FlushMs = ParseLong(value) },
                TopicConfig.MessageTimestampType => config with { MessageTimestampType = value == "LogAppendTime" ? TimestampType.LogAppendTime : TimestampType.CreateTime },
                _ => config,
            };
        }
        return config;
    }

    private static long ParseLong(string value) => long.Parse(value, CultureInfo.InvariantCulture);

    private bool CollidesWithExisting(string name, out string other)
    {
        string normalized = name.Replace('.', '_');
        foreach (var existing in _topics.Keys)
        {
            if (existing != name && existing.Replace('.', '_') == normalized)
            {
                other = existing;
                return true;
            }
        }
        other = "";
        return false;
    }

    private void Persist(TopicState changed, bool add)
    {
        var records = new List<TopicRecord>();
        foreach (var topic in _topics.Values)
            if (topic.Name != changed.Name)
                records.Add(ToRecord(topic));
        if (add)
            records.Add(ToRecord(changed));
        _store.Save(records);
    }

    private static TopicRecord ToRecord(TopicState topic) =>
        new(topic.Name, topic.TopicId, topic.Partitions.Count, new Dictionary<string, string>(topic.Configs, StringComparer.Ordinal));

    /// <summary>Closes every log cleanly and writes the clean-shutdown marker.</summary>
    public void Close()
    {
        _logs?.Close();
        _logs = null;
    }

    public void Dispose() => Close();
}
