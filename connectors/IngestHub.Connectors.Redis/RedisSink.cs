using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using IngestHub.Connectors.Redis.Resp;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;

namespace IngestHub.Connectors.Redis;

/// <summary>
/// Writes each event with one Redis command (RPUSH, XADD, PUBLISH, HSET or SET) and sends a whole batch as
/// one pipeline. Transport failures and transient server states (OOM, LOADING, BUSY…) make the batch
/// unavailable so the runtime retries it; any other error reply rejects only the event it answered.
/// </summary>
public sealed class RedisSink : ISink
{
    // Error replies that describe the server's state, not the event: retrying later can succeed.
    private static readonly string[] TransientErrors = ["OOM", "LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY", "NOAUTH", "NOREPLICAS"];
    private static readonly TimeSpan FirstCongestionPause = TimeSpan.FromMilliseconds(10);

    private readonly string _name;
    private readonly RedisSinkSettings _settings;
    private readonly ILogger _logger;
    private readonly RedisClient _client;

    internal RedisSink(string name, RedisSinkSettings settings, ILogger logger)
    {
        _name = name;
        _settings = settings;
        _logger = logger;
        _client = new RedisClient(settings.Connection);
    }

    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.ExecuteAsync(new RedisCommand("PING"), cancellationToken);
        }
        catch (RedisConnectionException e)
        {
            throw new SinkUnavailableException($"redis sink {_name}: {e.Message}", e);
        }
        catch (RedisException e)
        {
            throw new SinkUnavailableException($"redis sink {_name}: PING failed: {e.Message}", e);
        }
    }

    public async ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<LogEvent> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
            return SinkWriteResult.AllDelivered;
        var json = new ArrayBufferWriter<byte>(batch.Count * 256);
        var commands = BuildCommands(batch, json);
        RedisReply[] replies;
        try
        {
            if (_settings.Mode == RedisSinkMode.List && _settings.CongestionThreshold > 0)
                await WaitWhileCongestedAsync(commands, cancellationToken);
            replies = await _client.PipelineAsync(commands, cancellationToken);
        }
        catch (RedisConnectionException e)
        {
            throw new SinkUnavailableException($"redis sink {_name}: {e.Message}", e);
        }
        return Classify(replies, commands);
    }

    private RedisCommand[] BuildCommands(IReadOnlyList<LogEvent> batch, ArrayBufferWriter<byte> json)
    {
        var commands = new RedisCommand[batch.Count];
        if (_settings.Mode is RedisSinkMode.Hash || (_settings.Mode is RedisSinkMode.Stream && _settings.StreamFlatten))
        {
            for (int i = 0; i < batch.Count; i++)
                commands[i] = FieldsCommand(batch[i]);
            return commands;
        }

        // Serialize every event into one buffer first: slices are taken only once it stops growing.
        var ranges = new (int Start, int Length)[batch.Count];
        using (var writer = new Utf8JsonWriter(json))
        {
            for (int i = 0; i < batch.Count; i++)
            {
                int start = json.WrittenCount;
                writer.Reset(json);
                batch[i].Fields.WriteTo(writer);
                writer.Flush();
                ranges[i] = (start, json.WrittenCount - start);
            }
        }
        var written = json.WrittenMemory;
        for (int i = 0; i < batch.Count; i++)
        {
            var key = _settings.Key.Format(batch[i]);
            var value = written.Slice(ranges[i].Start, ranges[i].Length);
            commands[i] = _settings.Mode switch
            {
                RedisSinkMode.List => new RedisCommand("RPUSH", key, value),
                RedisSinkMode.Channel => new RedisCommand("PUBLISH", key, value),
                RedisSinkMode.String when _settings.TtlSeconds > 0 => new RedisCommand("SET", key, value, "EX", _settings.TtlSeconds),
                RedisSinkMode.String => new RedisCommand("SET", key, value),
                _ when _settings.StreamMaxLength > 0 => new RedisCommand("XADD", key, "MAXLEN", "~", _settings.StreamMaxLength, "*", "event", value),
                _ => new RedisCommand("XADD", key, "*", "event", value),
            };
        }
        return commands;
    }

    /// <summary>HSET key f v … or XADD key * f v …: string values as they are, others as JSON.</summary>
    private RedisCommand FieldsCommand(LogEvent logEvent)
    {
        var args = new List<RedisArg>(2 + logEvent.Fields.Count * 2);
        if (_settings.Mode == RedisSinkMode.Hash)
        {
            args.Add("HSET");
            args.Add(_settings.Key.Format(logEvent));
        }
        else
        {
            args.Add("XADD");
            args.Add(_settings.Key.Format(logEvent));
            if (_settings.StreamMaxLength > 0)
            {
                args.Add("MAXLEN");
                args.Add("~");
                args.Add(_settings.StreamMaxLength);
            }
            args.Add("*");
        }
        foreach (var (name, node) in logEvent.Fields)
        {
            args.Add(name);
            args.Add(node is JsonValue v && v.TryGetValue(out string? text) ? text : node?.ToJsonString() ?? "null");
        }
        return new RedisCommand([.. args]);
    }

    /// <summary>Logstash-style back-pressure: while any target list holds at least the threshold, poll its
    /// length with a growing pause (up to the congestion interval) instead of pushing.</summary>
    private async Task WaitWhileCongestedAsync(RedisCommand[] pushes, CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var push in pushes)
            keys.Add(push.Args[1].ToString());
        var lengths = new RedisCommand[keys.Count];
        int k = 0;
        foreach (var key in keys)
            lengths[k++] = new RedisCommand("LLEN", key);

        var pause = FirstCongestionPause;
        bool logged = false;
        while (true)
        {
            var replies = await _client.PipelineAsync(lengths, cancellationToken);
            string? congested = null;
            long length = 0;
            for (int i = 0; i < replies.Length && congested is null; i++)
            {
                // An error (WRONGTYPE) is not congestion; the push will report it for the event.
                if (replies[i].Kind == RedisReplyKind.Integer && replies[i].Integer >= _settings.CongestionThreshold)
                {
                    congested = lengths[i].Args[1].ToString();
                    length = replies[i].Integer;
                }
            }
            if (congested is null)
            {
                if (logged)
                    _logger.LogInformation("Redis sink {Sink}: list congestion cleared", _name);
                return;
            }
            if (!logged)
            {
                _logger.LogWarning("Redis sink {Sink}: list {Key} holds {Length} items (threshold {Threshold}); waiting for it to drain", _name, congested, length, _settings.CongestionThreshold);
                logged = true;
            }
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, _settings.CongestionInterval.Ticks));
        }
    }

    private SinkWriteResult Classify(RedisReply[] replies, RedisCommand[] commands)
    {
        List<SinkRejection>? rejected = null;
        for (int i = 0; i < replies.Length; i++)
        {
            if (!replies[i].IsError)
                continue;
            var prefix = replies[i].ErrorPrefix ?? "ERR";
            if (Array.IndexOf(TransientErrors, prefix) >= 0)
                throw new SinkUnavailableException($"redis sink {_name}: {commands[i].Name} answered {replies[i].Text}");
            (rejected ??= []).Add(new SinkRejection(i, prefix, $"{commands[i].Name} {commands[i].Args[1]}: {replies[i].Text}"));
        }
        return rejected is null ? SinkWriteResult.AllDelivered : new SinkWriteResult(rejected);
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
