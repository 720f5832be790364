using System.Diagnostics.CodeAnalysis;
using IngestHub.Protocol;

namespace IngestHub.Client.Internal;

/// <summary>
/// The connection slot for one broker address: hands out the live connection, opens a new one when it has
/// died, and spaces reconnect attempts with exponential backoff (reconnect.backoff.ms … .max.ms).
/// </summary>
internal sealed class BrokerEndpoint(string host, int port, ClientOptions options) : IAsyncDisposable
{
    [SuppressMessage("Reliability", "CA2213:Disposable fields should be disposed",
        Justification = "A replaced endpoint is disposed while callers that looked it up earlier may still be queued on the gate; they must get it and see _disposed. Disposing would strand them and frees nothing (no wait handle is used).")]
    private readonly SemaphoreSlim _gate = new(1, 1);
    private KafkaConnection? _connection;
    private int _failures;
    private long _nextAttemptMs;
    private bool _disposed;

    public string Host { get; } = host;
    public int Port { get; } = port;

    public bool HasLiveConnection => _connection is { IsAlive: true };

    public async ValueTask<KafkaConnection> GetAsync(CancellationToken cancellationToken)
    {
        var current = _connection;
        if (current is { IsAlive: true })
            return current;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            current = _connection;
            if (current is { IsAlive: true })
                return current;
            if (current is not null)
                await current.DisposeAsync();
            long wait = _nextAttemptMs - Environment.TickCount64;
            if (wait > 0)
                await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken);
            try
            {
                _connection = await KafkaConnection.ConnectAsync(Host, Port, options, cancellationToken);
                _failures = 0;
                return _connection;
            }
            catch (KafkaException)
            {
                _failures++;
                long backoff = Math.Min((long)options.ReconnectBackoffMs << Math.Min(_failures - 1, 20), options.ReconnectBackoffMaxMs);
                _nextAttemptMs = Environment.TickCount64 + (long)(backoff * (0.8 + Random.Shared.NextDouble() * 0.4));
                _connection = null;
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drops the current connection (a test hook, and used when a response proves it broken).</summary>
    public void Disconnect(string reason) =>
        _connection?.Fail(new KafkaException(ErrorCode.NetworkException, reason));

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            if (_connection is not null)
                await _connection.DisposeAsync();
            _connection = null;
        }
        finally
        {
            _gate.Release();
        }
    }
}
