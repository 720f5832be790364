using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using IngestHub.Connectors.Redis.Resp;

namespace IngestHub.Connectors.Redis;

/// <summary>One socket to a Redis server speaking RESP2. Not thread-safe: one pipeline at a time. Any failure
/// marks it broken, because after a lost or timed-out reply the reply stream can no longer be matched to
/// commands.</summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;

    private RedisConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
    }

    public bool IsBroken { get; private set; }

    /// <summary>True when the idle connection has neither been broken nor closed by the server (a killed or
    /// restarted server leaves a readable socket with nothing to read).</summary>
    public bool IsUsable
    {
        get
        {
            if (IsBroken)
                return false;
            try
            {
                return !_socket.Poll(0, SelectMode.SelectRead);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    /// <summary>Connects, negotiates TLS, authenticates and selects the database. Transport failures throw
    /// socket/IO exceptions (the client maps them); an AUTH/SELECT error reply throws RedisException.</summary>
    public static async Task<RedisConnection> OpenAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        RedisConnection? connection = null;
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (options.UseTls)
                stream = await AuthenticateTlsAsync(stream, options, cancellationToken);
            connection = new RedisConnection(socket, stream);
            await connection.HandshakeAsync(options, cancellationToken);
            return connection;
        }
        catch
        {
            if (connection is not null)
                await connection.DisposeAsync();
            else
                socket.Dispose();
            throw;
        }
    }

    private static async Task<Stream> AuthenticateTlsAsync(Stream inner, RedisOptions options, CancellationToken cancellationToken)
    {
        X509Certificate2Collection? trusted = null;
        if (options.TlsCaFile is { Length: > 0 } caFile)
        {
            trusted = [];
            trusted.ImportFromPemFile(caFile);
        }
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = options.Host,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => IsTrusted(certificate, errors, trusted),
        };
        await ssl.AuthenticateAsClientAsync(authentication, cancellationToken);
        return ssl;
    }

    // The system store decides unless a CA file is given; then a chain to one of its CAs is enough.
    private static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection? trusted)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        if (trusted is null || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private async Task HandshakeAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        var commands = new List<RedisCommand>(2);
        if (options.Password is { } password)
            commands.Add(options.Username is { Length: > 0 } user ? new RedisCommand("AUTH", user, password) : new RedisCommand("AUTH", password));
        if (options.Database != 0)
            commands.Add(new RedisCommand("SELECT", options.Database));
        if (commands.Count == 0)
            return;
        var replies = await ExecuteAsync(commands, cancellationToken);
        for (int i = 0; i < replies.Length; i++)
        {
            if (replies[i].IsError)
                throw new RedisException($"{commands[i].Name} failed: {replies[i].Text}") { ErrorPrefix = replies[i].ErrorPrefix };
        }
    }

    /// <summary>Writes all commands in one flush and reads exactly one reply per command. Error replies are
    /// returned, not thrown. The write runs concurrently with reading so a large pipeline cannot deadlock on
    /// full socket buffers.</summary>
    public async Task<RedisReply[]> ExecuteAsync(IReadOnlyList<RedisCommand> commands, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsBroken, this);
        var replies = new RedisReply[commands.Count];
        Task<FlushResult>? flush = null;
        try
        {
            for (int i = 0; i < commands.Count; i++)
                RespWriter.Write(_writer, commands[i]);
            flush = _writer.FlushAsync(cancellationToken).AsTask();
            int received = 0;
            while (received < replies.Length)
            {
                var result = await _reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var sequence = new SequenceReader<byte>(buffer);
                while (received < replies.Length && RespParser.TryParse(ref sequence, out replies[received]))
                    received++;
                _reader.AdvanceTo(sequence.Position, buffer.End);
                if (received < replies.Length && result.IsCompleted)
                    throw new IOException($"connection closed by the server after {received} of {replies.Length} replies");
            }
            await flush;
            return replies;
        }
        catch
        {
            IsBroken = true;
            await DisposeStreamAsync();
            if (flush is not null)
            {
                try { await flush; } catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException) { }
            }
            throw;
        }
    }

    /// <summary>Reads one reply that no command asked for (a message pushed to a subscriber).</summary>
    public async Task<RedisReply> ReceiveAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsBroken, this);
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var sequence = new SequenceReader<byte>(buffer);
                if (RespParser.TryParse(ref sequence, out var reply))
                {
                    _reader.AdvanceTo(sequence.Position);
                    return reply;
                }
                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                    throw new IOException("connection closed by the server");
            }
        }
        catch
        {
            IsBroken = true;
            await DisposeStreamAsync();
            throw;
        }
    }

    private async ValueTask DisposeStreamAsync()
    {
        try
        {
            _socket.Dispose();
            await _stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // Already gone; nothing to release.
        }
    }

    public async ValueTask DisposeAsync()
    {
        IsBroken = true;
        await DisposeStreamAsync();
        await _reader.CompleteAsync();
        await _writer.CompleteAsync();
    }
}
