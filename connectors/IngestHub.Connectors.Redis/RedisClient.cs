using System.Net.Sockets;
using System.Security.Authentication;
using IngestHub.Connectors.Redis.Resp;

namespace IngestHub.Connectors.Redis;

/// <summary>
/// A small RESP2 client over a pool of connections. Each call borrows one connection for one round trip:
/// <see cref="PipelineAsync"/> sends N commands in one write and reads N replies. Broken connections are
/// dropped; the next call reconnects, retrying with exponential backoff until the connect timeout. Commands
/// are never re-sent by the client, since a lost reply leaves unknown whether the server applied them.
/// </summary>
public sealed class RedisClient : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly Stack<RedisConnection> _idle = new();
    private readonly CancellationTokenSource _disposed = new();

    public RedisClient(RedisOptions options)
    {
        if (options.PoolSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "PoolSize must be at least 1");
        _options = options;
        _slots = new SemaphoreSlim(options.PoolSize, options.PoolSize);
    }

    public RedisOptions Options => _options;

    /// <summary>Runs one command; an error reply throws <see cref="RedisException"/>.</summary>
    public async Task<RedisReply> ExecuteAsync(RedisCommand command, CancellationToken cancellationToken = default)
    {
        var replies = await PipelineAsync([command], cancellationToken);
        var reply = replies[0];
        if (reply.IsError)
            throw new RedisException($"{command.Name}: {reply.Text}") { ErrorPrefix = reply.ErrorPrefix };
        return reply;
    }

    public Task<RedisReply> ExecuteAsync(params RedisArg[] args) => ExecuteAsync(new RedisCommand(args));

    /// <summary>Sends all commands in one write and returns their replies in order, error replies included
    /// (one failing command does not fail the others).</summary>
    /// <exception cref="RedisConnectionException">Connect failure, broken connection or command timeout.</exception>
    public async Task<RedisReply[]> PipelineAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken = default)
    {
        if (commands.Count == 0)
            return [];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        if (!await _slots.WaitAsync(_options.CommandTimeout + _options.ConnectTimeout, deadline.Token))
            throw new RedisConnectionException($"no connection to {Endpoint} became free in time");
        RedisConnection? connection = null;
        try
        {
            connection = await AcquireAsync(deadline.Token);
            deadline.CancelAfter(_options.CommandTimeout);
            return await connection.ExecuteAsync(commands, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_disposed.IsCancellationRequested)
        {
            throw new RedisConnectionException($"{Describe(commands)} to {Endpoint} timed out after {_options.CommandTimeout.TotalMilliseconds:0} ms");
        }
        catch (Exception e) when (IsTransport(e))
        {
            throw new RedisConnectionException($"{Describe(commands)} to {Endpoint} failed: {e.Message}", e);
        }
        finally
        {
            if (connection is not null)
                await ReleaseAsync(connection);
            _slots.Release();
        }
    }

    private string Endpoint => $"{_options.Host}:{_options.Port}";

    private static string Describe(IReadOnlyList<RedisCommand> commands) =>
        commands.Count == 1 ? commands[0].Name : $"pipeline of {commands.Count} commands";

    private static bool IsTransport(Exception e) =>
        e is IOException or SocketException or AuthenticationException or ObjectDisposedException;

    private async Task<RedisConnection> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            RedisConnection? idle;
            lock (_idle)
                idle = _idle.Count > 0 ? _idle.Pop() : null;
            if (idle is null)
                return await ConnectAsync(cancellationToken);
            if (idle.IsUsable)
                return idle;
            await idle.DisposeAsync();
        }
    }

    private async ValueTask ReleaseAsync(RedisConnection connection)
    {
        if (connection.IsBroken || _disposed.IsCancellationRequested)
        {
            await connection.DisposeAsync();
            return;
        }
        lock (_idle)
            _idle.Push(connection);
    }

    /// <summary>Connects, retrying with exponential backoff until <see cref="RedisOptions.ConnectTimeout"/>.</summary>
    private async Task<RedisConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var backoff = _options.ReconnectInitialBackoff;
        while (true)
        {
            var remaining = _options.ConnectTimeout - TimeProvider.System.GetElapsedTime(started);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            Exception failure;
            try
            {
                return await RedisConnection.OpenAsync(_options, attempt.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new RedisConnectionException($"connect to {Endpoint} timed out after {_options.ConnectTimeout.TotalMilliseconds:0} ms");
            }
            catch (RedisException e)
            {
                // AUTH or SELECT refused: retrying will not help until the configuration changes.
                throw new RedisConnectionException($"{Endpoint} refused the connection setup: {e.Message}", e);
            }
            catch (Exception e) when (IsTransport(e))
            {
                failure = e;
            }
            remaining = _options.ConnectTimeout - TimeProvider.System.GetElapsedTime(started);
            if (remaining <= backoff)
                throw new RedisConnectionException($"cannot connect to {Endpoint}: {failure.Message}", failure);
            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.ReconnectMaxBackoff.Ticks));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
            return;
        _disposed.Cancel();
        List<RedisConnection> idle;
        lock (_idle)
        {
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var connection in idle)
            await connection.DisposeAsync();
        // Calls in flight end promptly once cancelled; each returns its slot (and drops its connection), so
        // holding every slot means nothing still uses the semaphore or the token source.
        for (int i = 0; i < _options.PoolSize; i++)
            await _slots.WaitAsync();
        _slots.Dispose();
        _disposed.Dispose();
    }
}
