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
    private readonly BrokerConfigStore _brokerConfigStore;
    private BrokerConfigRecord _brokerConfigs = new([], []);
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, TopicState> _topicsById = new();
    private readonly Lock _changeLock = new();
    private readonly ConcurrentDictionary<string, (int Partitions, IReadOnlyDictionary<string, string> Configs)> _brokerTopics = new(StringComparer.Ordinal);
    private ILogStore? _logs;

    public TopicRegistry(BrokerOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<TopicRegistry>();
        _store = new TopicMetadataStore(options.DataDir);
        _brokerConfigStore = new BrokerConfigStore(options.DataDir);
    }

    /// <summary>The data directory (log.dirs) the topics live in.</summary>
    public string DataDir => _options.DataDir;

    /// <summary>Set in cluster mode: leader epochs come from the cluster's partition state, so opening or creating a
    /// partition does not begin an epoch of its own.</summary>
    public bool ExternalLeaderEpochs { get; set; }

    /// <summary>Set in cluster mode: auto-creation goes through the cluster (which creates the topic here too).</summary>
    public Func<string, ErrorCode>? AutoCreate { get; set; }

    public bool WasCleanShutdown => _logs?.WasCleanShutdown ?? true;
    public ICollection<TopicState> Topics => _topics.Values;
    private ILogStore Logs => _logs ?? throw new InvalidOperationException("topic registry is not open");

    /// <summary>Loads the topic list and opens every partition log, recovering after an unclean stop.</summary>
    public void Open()
    {
        _brokerConfigs = _brokerConfigStore.Load();
        var records = _store.Load();
        var configs = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var record in records)
            configs[record.Name] = record.Configs;
        _logs = _options.LogEngine.Open(_options.DataDir, topic => BuildLogConfig(configs.TryGetValue(topic, out var c) ? c : null), _loggerFactory);
        foreach (var record in records)
        {
            var topic = new TopicState(record.Name, record.TopicId, record.Configs, BuildLogConfig(record.Configs));
            var partitions = new PartitionState[record.Partitions];
            for (int i = 0; i < partitions.Length; i++)
            {
                partitions[i] = new PartitionState(record.Name, i, Logs.GetOrCreate(record.Name, i, topic.LogConfig));
                if (!ExternalLeaderEpochs)
                    partitions[i].BecomeLeader();
            }
            topic.SetPartitions(partitions);
            _topics[record.Name] = topic;
            _topicsById[record.TopicId] = topic;
        }
        foreach (var log in Logs.Partitions)
        {
            if (LogDirectory.TryParseName(log.Name, out var topic, out _) && !_topics.ContainsKey(topic))
                _logger.LogWarning("Partition {Partition} belongs to no known topic; it is left untouched", log.Name);
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
        if (_brokerTopics.ContainsKey(name))
        {
            try
            {
                return (EnsureBrokerTopic(name), ErrorCode.None);
            }
            catch (IOException ex)
            {
                _logger.LogWarning(ex, "Creating topic {Topic} failed", name);
                return (null, ErrorCode.KafkaStorageError);
            }
        }
        if (!TopicName.IsValid(name, out _))
            return (null, ErrorCode.InvalidTopicException);
        if (!allowAutoCreate || !_options.AutoCreateTopicsEnable || TopicName.IsInternal(name))
            return (null, ErrorCode.UnknownTopicOrPartition);
        var error = AutoCreate is { } viaCluster ? viaCluster(name)
            : CreateTopic(name, _options.NumPartitions, new Dictionary<string, string>(), validateOnly: false, out _);
        if (error is not ErrorCode.None and not ErrorCode.TopicAlreadyExists)
            return (null, error);
        return _topics.TryGetValue(name, out topic) ? (topic, ErrorCode.None) : (null, ErrorCode.UnknownTopicOrPartition);
    }

    public ErrorCode CreateTopic(string name, int partitions, IReadOnlyDictionary<string, string> configs, bool validateOnly, out string? message) =>
        CreateTopic(name, partitions, configs, validateOnly, Guid.NewGuid(), out message);

    /// <summary>Creates a topic with a given id (a cluster creates it on every broker under one id).</summary>
    public ErrorCode CreateTopic(string name, int partitions, IReadOnlyDictionary<string, string> configs, bool validateOnly, Guid topicId, out string? message)
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
        if (ExceedsPartitionLimit(partitions, out message))
            return ErrorCode.PolicyViolation;
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
            var topic = new TopicState(name, topicId, copy, BuildLogConfig(copy));
            try
            {
                var states = new PartitionState[partitions];
                for (int i = 0; i < partitions; i++)
                {
                    states[i] = new PartitionState(name, i, Logs.GetOrCreate(name, i, topic.LogConfig));
                    if (!ExternalLeaderEpochs)
                        states[i].BecomeLeader();
                }
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

    /// <summary>Declares a topic the broker owns and creates when it is first needed (as Kafka creates
    /// <c>__consumer_offsets</c>): on the owner's first write (<see cref="EnsureBrokerTopic"/>) or when a client asks
    /// Metadata for it by name.</summary>
    public void DeclareBrokerTopic(string name, int partitions, IReadOnlyDictionary<string, string> configs) =>
        _brokerTopics[name] = (partitions, configs);

    /// <summary>The declared broker-owned topic <paramref name="name"/>, created now if it does not exist yet (an
    /// existing one is kept as it is, whatever its partition count).</summary>
    public TopicState EnsureBrokerTopic(string name)
    {
        if (_topics.TryGetValue(name, out var topic))
            return topic;
        if (!_brokerTopics.TryGetValue(name, out var spec))
            throw new InvalidOperationException($"topic {name} is not declared");
        var error = CreateTopic(name, spec.Partitions, spec.Configs, validateOnly: false, out string? message);
        if (error is not ErrorCode.None and not ErrorCode.TopicAlreadyExists)
            throw new IOException($"Could not create topic {name}: {error} {message}");
        return _topics[name];
    }

    /// <summary>Deletes a topic; a broker-owned topic is refused with TOPIC_AUTHORIZATION_FAILED.</summary>
    public ErrorCode DeleteTopic(string name)
    {
        if (TopicName.IsBrokerOwned(name))
            return ErrorCode.TopicAuthorizationFailed;
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

    /// <summary>True (with the reason) when <paramref name="added"/> more partitions would pass max.broker.partitions.</summary>
    private bool ExceedsPartitionLimit(long added, out string? message)
    {
        long held = 0;
        foreach (var topic in _topics.Values)
            held += topic.Partitions.Count;
        if (held + added <= _options.MaxBrokerPartitions)
        {
            message = null;
            return false;
        }
        message = $"{added} more partitions would exceed max.broker.partitions ({_options.MaxBrokerPartitions}); this broker holds {held}.";
        return true;
    }

    public ErrorCode AddPartitions(string name, int count, bool validateOnly, out string? message)
    {
        message = null;
        if (TopicName.IsBrokerOwned(name))
        {
            // A group's partition of the offsets topic depends on the partition count.
            message = $"Topic {name} is internal; its partitions cannot be changed.";
            return ErrorCode.TopicAuthorizationFailed;
        }
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
            if (ExceedsPartitionLimit(count - current, out message))
                return ErrorCode.PolicyViolation;
            if (validateOnly)
                return ErrorCode.None;
            var states = new PartitionState[count];
            for (int i = 0; i < count; i++)
            {
                if (i < current)
                {
                    states[i] = topic.Partitions[i];
                    continue;
                }
                states[i] = new PartitionState(name, i, Logs.GetOrCreate(name, i, topic.LogConfig));
                if (!ExternalLeaderEpochs)
                    states[i].BecomeLeader();
            }
            topic.SetPartitions(states);
            Persist(topic, add: true);
            _logger.LogInformation("Topic {Topic} grew from {From} to {To} partitions", name, current, count);
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// Replaces a topic's config overrides with what <paramref name="change"/> makes of the current ones (null and
    /// a reason to refuse). Every value is validated (INVALID_CONFIG), then the overrides are persisted and the
    /// new log settings applied to every partition at once.
    /// </summary>
    public ErrorCode AlterTopicConfigs(string name, Func<IReadOnlyDictionary<string, string>, (Dictionary<string, string>? Configs, ErrorCode Error, string? Message)> change,
        bool validateOnly, out string? message)
    {
        lock (_changeLock)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                message = $"Topic {name} does not exist";
                return ErrorCode.UnknownTopicOrPartition;
            }
            var (configs, error, reason) = change(topic.Configs);
            if (configs is null)
            {
                message = reason;
                return error;
            }
            foreach (var (key, value) in configs)
            {
                if (TopicConfig.Validate(key, value) is { } invalid)
                {
                    message = invalid;
                    return ErrorCode.InvalidConfig;
                }
            }
            if (!TryBuildLogConfig(configs, _brokerConfigs, out var logConfig, out message))
                return ErrorCode.InvalidConfig;
            if (validateOnly)
                return ErrorCode.None;
            var previous = topic.Configs;
            topic.Reconfigure(configs, logConfig);
            try
            {
                Persist(topic, add: true);
            }
            catch (IOException ex)
            {
                topic.Reconfigure(new Dictionary<string, string>(previous, StringComparer.Ordinal), BuildLogConfig(previous));
                _logger.LogError(ex, "Persisting the configs of topic {Topic} failed; they are unchanged", name);
                message = ex.Message;
                return ErrorCode.KafkaStorageError;
            }
            _logger.LogInformation("Topic {Topic} configs are now {Configs}", name, string.Join(", ", configs.Select(c => $"{c.Key}={c.Value}")));
            return ErrorCode.None;
        }
    }

    /// <summary>The dynamic broker configs: the cluster-wide defaults, or this broker's own.</summary>
    public IReadOnlyDictionary<string, string> DynamicBrokerConfigs(bool clusterDefaults) =>
        clusterDefaults ? Volatile.Read(ref _brokerConfigs).ClusterDefaults : Volatile.Read(ref _brokerConfigs).Broker;

    /// <summary>
    /// Replaces the dynamic broker configs of one scope (cluster defaults or this broker) with what
    /// <paramref name="change"/> makes of them, persists them and applies the new log defaults to every topic
    /// that has no override of its own.
    /// </summary>
    public ErrorCode AlterBrokerConfigs(bool clusterDefaults, Func<IReadOnlyDictionary<string, string>, (Dictionary<string, string>? Configs, ErrorCode Error, string? Message)> change,
        bool validateOnly, out string? message)
    {
        lock (_changeLock)
        {
            var current = _brokerConfigs;
            var (configs, error, reason) = change(clusterDefaults ? current.ClusterDefaults : current.Broker);
            if (configs is null)
            {
                message = reason;
                return error;
            }
            foreach (var (key, value) in configs)
            {
                if (BrokerConfig.Validate(key, value) is { } invalid)
                {
                    message = invalid;
                    return BrokerConfig.Dynamic.ContainsKey(key) ? ErrorCode.InvalidConfig : ErrorCode.InvalidRequest;
                }
            }
            var next = clusterDefaults ? current with { ClusterDefaults = configs } : current with { Broker = configs };
            var rebuilt = new List<(TopicState Topic, LogConfig Config)>();
            foreach (var topic in _topics.Values)
            {
                if (!TryBuildLogConfig(topic.Configs, next, out var config, out message))
                {
                    message = $"Topic {topic.Name}: {message}";
                    return ErrorCode.InvalidConfig;
                }
                rebuilt.Add((topic, config));
            }
            if (!TryBuildLogConfig(null, next, out _, out message))
                return ErrorCode.InvalidConfig;
            if (validateOnly)
                return ErrorCode.None;
            try
            {
                _brokerConfigStore.Save(next);
            }
            catch (IOException ex)
            {
                _logger.LogError(ex, "Persisting the dynamic broker configs failed; they are unchanged");
                message = ex.Message;
                return ErrorCode.KafkaStorageError;
            }
            Volatile.Write(ref _brokerConfigs, next);
            foreach (var (topic, config) in rebuilt)
                topic.Reconfigure(new Dictionary<string, string>(topic.Configs, StringComparer.Ordinal), config);
            _logger.LogInformation("Dynamic broker configs ({Scope}) are now {Configs}", clusterDefaults ? "cluster defaults" : "this broker",
                string.Join(", ", configs.Select(c => $"{c.Key}={c.Value}")));
            return ErrorCode.None;
        }
    }

    private bool TryBuildLogConfig(IReadOnlyDictionary<string, string>? overrides, BrokerConfigRecord brokerConfigs, out LogConfig config, out string? message)
    {
        config = BuildLogConfig(overrides, brokerConfigs);
        try
        {
            config.Validate();
            message = null;
            return true;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            message = ex.Message;
            return false;
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

    /// <summary>Every open partition log (the log cleaner walks those on disk).</summary>
    public IEnumerable<IPartitionLog> PartitionLogs => Logs.Partitions;

    public LogConfig BuildLogConfig(IReadOnlyDictionary<string, string>? overrides) => BuildLogConfig(overrides, Volatile.Read(ref _brokerConfigs));

    /// <summary>The static broker defaults, then the dynamic cluster defaults, this broker's dynamic configs and the
    /// topic's overrides, each over the one before.</summary>
    private LogConfig BuildLogConfig(IReadOnlyDictionary<string, string>? overrides, BrokerConfigRecord brokerConfigs)
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
        foreach (var (name, value) in brokerConfigs.ClusterDefaults)
            config = Apply(config, BrokerConfig.Dynamic.GetValueOrDefault(name, name), value);
        foreach (var (name, value) in brokerConfigs.Broker)
            config = Apply(config, BrokerConfig.Dynamic.GetValueOrDefault(name, name), value);
        if (overrides is null)
            return config;
        foreach (var (key, value) in overrides)
            config = Apply(config, key, value);
        return config;
    }

    private static LogConfig Apply(LogConfig config, string key, string value) => key switch
    {
        TopicConfig.RetentionMs => config with { RetentionMs = ParseLong(value) },
        TopicConfig.RetentionBytes => config with { RetentionBytes = ParseLong(value) },
        TopicConfig.SegmentBytes => config with { SegmentBytes = (int)ParseLong(value) },
        TopicConfig.SegmentMs => config with { SegmentMs = ParseLong(value) },
        TopicConfig.IndexIntervalBytes => config with { IndexIntervalBytes = (int)ParseLong(value) },
        TopicConfig.MaxMessageBytes => config with { MaxMessageBytes = (int)ParseLong(value) },
        TopicConfig.FlushMessages => config with { FlushMessages = ParseLong(value) },
        TopicConfig.FlushMs => config with { FlushMs = ParseLong(value) },
        TopicConfig.CleanupPolicy => config.WithCleanupPolicy(value),
        TopicConfig.DeleteRetentionMs => config with { DeleteRetentionMs = ParseLong(value) },
        TopicConfig.MinCleanableDirtyRatio => config with { MinCleanableDirtyRatio = double.Parse(value, CultureInfo.InvariantCulture) },
        TopicConfig.MinCompactionLagMs => config with { MinCompactionLagMs = ParseLong(value) },
        TopicConfig.MaxCompactionLagMs => config with { MaxCompactionLagMs = ParseLong(value) },
        TopicConfig.MessageTimestampType => config with { MessageTimestampType = value == "LogAppendTime" ? TimestampType.LogAppendTime : TimestampType.CreateTime },
        _ => config,
    };

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
