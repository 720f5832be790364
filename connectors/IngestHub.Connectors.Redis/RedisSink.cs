using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace IngestHub.Connectors.Redis;

/// <summary>
/// Writes each event with one Redis command (RPUSH, XADD, PUBLISH, HSET or SET) through StackExchange.Redis and
/// sends a whole batch as one <see cref="IBatch"/>: one round trip per server (a cluster's keys are routed to
/// the node owning their slot). Connection failures, timeouts and transient server states (OOM, LOADING,
/// BUSY…) make the batch unavailable so the runtime retries it; any other error reply rejects only the event
/// it answered.
/// </summary>
public sealed class RedisSink : ISink
{
    // Error replies that describe the server's state, not the event: retrying later can succeed.
    private static readonly string[] TransientErrors = ["OOM", "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY", "NOAUTH", "NOREPLICAS", "MISCONF"];
    private static readonly TimeSpan FirstCongestionPause = TimeSpan.FromMilliseconds(10);
    private static readonly RedisValue EventField = "event";
    private const int MaxPooledBuffers = 16;
    private const int MaxPooledBufferBytes = 16 << 20;

    private readonly string _name;
    private readonly RedisSinkSettings _settings;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    // Serialized batches, reused: a fresh 256 KB buffer per batch lands on the large object heap every time.
    private readonly System.Collections.Concurrent.ConcurrentBag<ArrayBufferWriter<byte>> _buffers = [];
    private readonly string _endpoints;
    private ConnectionMultiplexer? _redis;
    private bool _disposed;
    private int _disposeStarted;

    internal RedisSink(string name, RedisSinkSettings settings, ILogger logger)
    {
        _name = name;
        _settings = settings;
        _logger = logger;
        _endpoints = string.Join(",", settings.Connection.EndPoints.Select(EndPointCollection.ToString));
    }

    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        var redis = await ConnectAsync(cancellationToken);
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw Unavailable("PING", e);
        }
    }

    public async ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<LogEvent> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
            return SinkWriteResult.AllDelivered;
        var database = (await ConnectAsync(cancellationToken)).GetDatabase();
        var keys = new RedisKey[batch.Count];
        for (int i = 0; i < keys.Length; i++)
            keys[i] = _settings.Key.Format(batch[i]);
        if (_settings.Mode == RedisSinkMode.List && _settings.CongestionThreshold > 0)
            await WaitWhileCongestedAsync(database, keys, cancellationToken);

        // The values are slices of one buffer that must stay untouched until every reply is in; it is reused by a
        // later batch only then (a batch abandoned with replies outstanding leaves its buffer to the GC).
        var json = _buffers.TryTake(out var pooled) ? pooled : new ArrayBufferWriter<byte>(batch.Count * 256);
        json.ResetWrittenCount();
        var commands = database.CreateBatch();
        var owners = new int[batch.Count];
        Task[] replies = [];
        try
        {
            replies = Queue(commands, batch, keys, json, owners);
            try
            {
                // Without a connection (fail-fast backlog policy) Execute throws rather than queueing the batch.
                commands.Execute();
            }
            catch (RedisConnectionException e)
            {
                throw Unavailable(Command, e);
            }
            try
            {
                await Task.WhenAll(replies).WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // Looked at per reply below.
            }
            return Classify(replies, keys, owners);
        }
        finally
        {
            if (Array.TrueForAll(replies, r => r.IsCompleted) && json.Capacity <= MaxPooledBufferBytes && _buffers.Count < MaxPooledBuffers)
                _buffers.Add(json);
        }
    }

    /// <summary>Queues the batch's commands; <paramref name="owners"/>[i] is the index of the reply that answers for
    /// event i.</summary>
    private Task[] Queue(IBatch commands, IReadOnlyList<LogEvent> batch, RedisKey[] keys, ArrayBufferWriter<byte> json, int[] owners)
    {
        if (_settings.Mode is RedisSinkMode.Hash || (_settings.Mode is RedisSinkMode.Stream && _settings.StreamFlatten))
        {
            var fieldReplies = new Task[batch.Count];
            for (int i = 0; i < batch.Count; i++)
            {
                fieldReplies[i] = QueueFields(commands, keys[i], batch[i]);
                owners[i] = i;
            }
            return fieldReplies;
        }

        // Serialize every event into one buffer first: slices are taken only once it stops growing.
        var ranges = new (int Start, int Length)[batch.Count];
        using (var writer = new Utf8JsonWriter(json))
        {
            for (int i = 0; i < batch.Count; i++)
            {
                int start = json.WrittenCount;
                writer.Reset(json);
                batch[i].WriteTo(writer);
                writer.Flush();
                ranges[i] = (start, json.WrittenCount - start);
            }
        }
        var written = json.WrittenMemory;
        RedisValue Value(int i) => written.Slice(ranges[i].Start, ranges[i].Length);
        if (_settings.Mode == RedisSinkMode.List)
            return QueuePushes(commands, keys, owners, Value);

        var replies = new Task[batch.Count];
        long? maxLength = _settings.StreamMaxLength > 0 ? _settings.StreamMaxLength : null;
        TimeSpan? expiry = _settings.TtlSeconds > 0 ? TimeSpan.FromSeconds(_settings.TtlSeconds) : null;
        for (int i = 0; i < batch.Count; i++)
        {
            owners[i] = i;
            replies[i] = _settings.Mode switch
            {
                RedisSinkMode.Channel => commands.PublishAsync(RedisChannel.Literal((string)keys[i]!), Value(i)),
                RedisSinkMode.String => commands.StringSetAsync(keys[i], Value(i), expiry, When.Always),
                _ => commands.StreamAddAsync(keys[i], EventField, Value(i), null, maxLength, useApproximateMaxLength: true),
            };
        }
        return replies;
    }

    /// <summary>List mode: one <c>RPUSH key v1 v2 …</c> per target list, its events in batch order. A push is atomic
    /// and an error reply is about the key (WRONGTYPE, NOPERM, OOM), so it answers alike for each of its events:
    /// the outcome per event is the same as one command per event, at a fraction of the commands.</summary>
    private static Task[] QueuePushes(IBatch commands, RedisKey[] keys, int[] owners, Func<int, RedisValue> value)
    {
        var groups = new Dictionary<RedisKey, List<int>>();
        var order = new List<RedisKey>();
        for (int i = 0; i < keys.Length; i++)
        {
            if (!groups.TryGetValue(keys[i], out var members))
            {
                groups[keys[i]] = members = [];
                order.Add(keys[i]);
            }
            members.Add(i);
        }
        var replies = new Task[order.Count];
        for (int g = 0; g < order.Count; g++)
        {
            var members = groups[order[g]];
            var values = new RedisValue[members.Count];
            for (int m = 0; m < values.Length; m++)
            {
                values[m] = value(members[m]);
                owners[members[m]] = g;
            }
            replies[g] = commands.ListRightPushAsync(order[g], values);
        }
        return replies;
    }

    /// <summary>HSET key f v … or XADD key * f v …: string values as they are, others as JSON.</summary>
    private Task QueueFields(IBatch commands, RedisKey key, LogEvent logEvent)
    {
        var fields = logEvent.Fields;
        if (_settings.Mode == RedisSinkMode.Hash)
        {
            var entries = new HashEntry[fields.Count];
            int i = 0;
            foreach (var (name, node) in fields)
                entries[i++] = new HashEntry(name, Text(node));
            return commands.HashSetAsync(key, entries);
        }
        var pairs = new NameValueEntry[fields.Count];
        int n = 0;
        foreach (var (name, node) in fields)
            pairs[n++] = new NameValueEntry(name, Text(node));
        long? maxLength = _settings.StreamMaxLength > 0 ? _settings.StreamMaxLength : null;
        return commands.StreamAddAsync(key, pairs, null, maxLength, useApproximateMaxLength: true);
    }

    private static string Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue(out string? text) ? text : node?.ToJsonString() ?? "null";

    /// <summary>Logstash-style back-pressure: while any target list holds at least the threshold, poll its
    /// length with a growing pause (up to the congestion interval) instead of pushing.</summary>
    private async Task WaitWhileCongestedAsync(IDatabase database, RedisKey[] pushKeys, CancellationToken cancellationToken)
    {
        var keys = new HashSet<RedisKey>(pushKeys).ToArray();
        var pause = FirstCongestionPause;
        bool logged = false;
        while (true)
        {
            var lengths = new Task<long>[keys.Length];
            var batch = database.CreateBatch();
            for (int i = 0; i < keys.Length; i++)
                lengths[i] = batch.ListLengthAsync(keys[i]);
            batch.Execute();
            try
            {
                await Task.WhenAll(lengths).WaitAsync(cancellationToken);
            }
            catch (RedisServerException)
            {
                // An error (WRONGTYPE) is not congestion; the push will report it for the event.
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                throw Unavailable("LLEN", e);
            }
            int congested = -1;
            for (int i = 0; i < lengths.Length && congested < 0; i++)
            {
                if (lengths[i].IsCompletedSuccessfully && lengths[i].Result >= _settings.CongestionThreshold)
                    congested = i;
            }
            if (congested < 0)
            {
                if (logged)
                    _logger.LogInformation("Redis sink {Sink}: list congestion cleared", _name);
                return;
            }
            if (!logged)
            {
                _logger.LogWarning("Redis sink {Sink}: list {Key} holds {Length} items (threshold {Threshold}); waiting for it to drain",
                    _name, (string?)keys[congested], lengths[congested].Result, _settings.CongestionThreshold);
                logged = true;
            }
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, _settings.CongestionInterval.Ticks));
        }
    }

    private SinkWriteResult Classify(Task[] replies, RedisKey[] keys, int[] owners)
    {
        string?[]? refused = null;
        for (int r = 0; r < replies.Length; r++)
        {
            var reply = replies[r];
            if (reply.IsCompletedSuccessfully)
                continue;
            var error = reply.Exception?.InnerException ?? new TaskCanceledException(reply);
            if (error is not RedisServerException server)
                throw Unavailable(Command, error);
            if (Array.IndexOf(TransientErrors, ErrorPrefix(server.Message)) >= 0)
                throw new SinkUnavailableException($"redis sink {_name}: {Command} answered {server.Message}", server);
            (refused ??= new string?[replies.Length])[r] = server.Message;
        }
        if (refused is null)
            return SinkWriteResult.AllDelivered;
        var rejected = new List<SinkRejection>();
        for (int i = 0; i < owners.Length; i++)
        {
            if (refused[owners[i]] is { } message)
                rejected.Add(new SinkRejection(i, ErrorPrefix(message), $"{Command} {(string?)keys[i]}: {message}"));
        }
        return new SinkWriteResult(rejected);
    }

    private string Command => _settings.Mode switch
    {
        RedisSinkMode.List => "RPUSH",
        RedisSinkMode.Stream => "XADD",
        RedisSinkMode.Channel => "PUBLISH",
        RedisSinkMode.Hash => "HSET",
        _ => "SET",
    };

    private static string ErrorPrefix(string message)
    {
        int space = message.IndexOf(' ', StringComparison.Ordinal);
        var word = space > 0 ? message[..space] : message;
        return word.Length > 0 && word.All(c => char.IsAsciiLetterUpper(c)) ? word : "ERR";
    }

    /// <summary>One short line for the connector status; the library's own message (with its counters) stays in
    /// the inner exception for the log.</summary>
    private SinkUnavailableException Unavailable(string command, Exception error)
    {
        string reason = error switch
        {
            RedisTimeoutException timeout => $"{command} to {_endpoints} timed out after {_settings.Connection.AsyncTimeout} ms"
                + (timeout.Commandstatus == CommandStatus.Sent ? " waiting for the reply (whether Redis applied it is unknown)" : " before it was sent"),
            RedisConnectionException connection => Describe(connection),
            RedisServerException server => $"{command} answered {server.Message}",
            _ => $"{command} to {_endpoints} failed: {error.Message}",
        };
        return new SinkUnavailableException($"redis sink {_name}: {reason}", error);
    }

    private string Describe(RedisConnectionException error)
    {
        // The library wraps the cause: "no connection available" around "AuthenticationFailure on …" around
        // "NOAUTH …" or "Connection refused". Name the most specific failure and the root cause's own words.
        var failure = error.FailureType;
        Exception root = error;
        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is RedisConnectionException { FailureType: not ConnectionFailureType.UnableToResolvePhysicalConnection } specific)
                failure = specific.FailureType;
            // The library's own messages carry its counters, not a cause worth showing.
            if (inner is not RedisException)
                root = inner;
        }
        string what = failure switch
        {
            ConnectionFailureType.AuthenticationFailure => $"authentication with {_endpoints} failed (credentials or TLS)",
            ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection => $"no connection to {_endpoints}",
            ConnectionFailureType.SocketClosed or ConnectionFailureType.SocketFailure => $"connection to {_endpoints} lost",
            ConnectionFailureType.Loading => $"{_endpoints} is loading its data set",
            _ => $"connection to {_endpoints} failed ({failure})",
        };
        return ReferenceEquals(root, error) ? what : $"{what}: {RootMessage(root)}";
    }

    private static string RootMessage(Exception root)
    {
        var message = root.Message;
        if (message.StartsWith("SimpleError: ", StringComparison.Ordinal))
            message = message["SimpleError: ".Length..];
        int attempted = message.IndexOf(" Attempted command:", StringComparison.Ordinal);
        return attempted > 0 ? message[..attempted] : message;
    }

    private async ValueTask<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _redis) is { } redis)
            return redis;
        await _connecting.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_redis is not null)
                return _redis;
            // With AbortOnConnectFail off this returns even when no server answers yet; the multiplexer keeps
            // reconnecting in the background and each batch meanwhile fails fast as unavailable.
            try
            {
                redis = await ConnectionMultiplexer.ConnectAsync(_settings.Connection.Clone());
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                throw Unavailable("connect", e);
            }
            redis.ConnectionFailed += (_, e) => _logger.LogWarning("Redis sink {Sink}: connection to {Endpoint} failed ({Failure}: {Reason}); reconnecting",
                _name, EndPointCollection.ToString(e.EndPoint), e.FailureType, e.Exception?.Message);
            redis.ConnectionRestored += (_, e) => _logger.LogInformation("Redis sink {Sink}: connection to {Endpoint} restored", _name, EndPointCollection.ToString(e.EndPoint));
            Volatile.Write(ref _redis, redis);
            return redis;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeStarted, 1) != 0)
            return;
        await _connecting.WaitAsync();
        try
        {
            _disposed = true;
            if (_redis is not null)
                await _redis.DisposeAsync();
            _redis = null;
        }
        finally
        {
            _connecting.Release();
            _connecting.Dispose();
        }
    }
}
