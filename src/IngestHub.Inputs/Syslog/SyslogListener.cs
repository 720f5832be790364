using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using IngestHub.Client;
using Microsoft.Extensions.Logging;

namespace IngestHub.Inputs.Syslog;

/// <summary>
/// Syslog over TCP (RFC 6587: octet-counted <c>LEN SP MSG</c> or newline-terminated frames, detected per frame) and UDP
/// (one message per datagram) on the same port. Each message is parsed and produced to the target topic; a TCP
/// connection reads no further while the producer's buffer is full (backpressure), a datagram that cannot be queued
/// is counted as rejected.
/// </summary>
public sealed class SyslogListener : IAsyncDisposable
{
    private readonly SyslogInputOptions _options;
    private readonly InputProducer _producer;
    private readonly InputCounters _counters;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private TcpListener? _tcp;
    private UdpClient? _udp;

    public SyslogListener(SyslogInputOptions options, InputProducer producer, InputCounters counters, ILogger logger)
    {
        _options = options;
        _producer = producer;
        _counters = counters;
        _logger = logger;
    }

    public int TcpPort { get; private set; }
    public int UdpPort { get; private set; }

    public void Start()
    {
        var address = IPAddress.Parse(_options.Host);
        _tcp = new TcpListener(address, _options.Port);
        _tcp.Start();
        TcpPort = ((IPEndPoint)_tcp.LocalEndpoint).Port;
        // UDP on the same port as TCP (a free one when the TCP port was chosen by the system).
        _udp = new UdpClient(new IPEndPoint(address, TcpPort));
        UdpPort = ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
        _loops.Add(Task.Run(AcceptLoopAsync));
        _loops.Add(Task.Run(UdpLoopAsync));
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var client = await _tcp!.AcceptTcpClientAsync(_stop.Token);
                var connection = Task.Run(() => ConnectionAsync(client));
                _connections.TryAdd(connection, true);
                _ = connection.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(t, out _), _connections,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.LogWarning("Syslog TCP accept failed on port {Port}: {Error}; retrying", TcpPort, ex.Message);
                await Task.Delay(200);
            }
        }
    }

    private async Task ConnectionAsync(TcpClient client)
    {
        using (client)
        {
            var remote = client.Client.RemoteEndPoint;
            var reader = PipeReader.Create(client.GetStream());
            bool skipping = false;
            try
            {
                while (true)
                {
                    var result = await reader.ReadAsync(_stop.Token);
                    var buffer = result.Buffer;
                    while (TryFrame(ref buffer, result.IsCompleted, ref skipping, out var frame, out bool truncated, out string? error))
                    {
                        if (error is not null)
                        {
                            _counters.CountRejected(1);
                            _logger.LogWarning("Syslog TCP connection from {Remote} closed: {Error}", remote, error);
                            return;
                        }
                        if (!frame.IsEmpty)
                            await ProduceAsync(frame.IsSingleSegment ? frame.FirstSpan : frame.ToArray(), truncated);
                    }
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted)
                        return;
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
            {
                // The sender went away or the listener stops.
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Syslog TCP connection from {Remote} failed", remote);
            }
            finally
            {
                await reader.CompleteAsync();
            }
        }
    }

    /// <summary>Cuts one frame: octet-counted when it starts with a digit, else up to the next LF (at the end of the
    /// stream, what is left). An over-long newline frame is cut at the limit and the rest of its line skipped
    /// (<paramref name="skipping"/> carries that across reads).</summary>
    private bool TryFrame(ref ReadOnlySequence<byte> buffer, bool completed, ref bool skipping, out ReadOnlySequence<byte> frame, out bool truncated, out string? error)
    {
        frame = default;
        truncated = false;
        error = null;
        if (skipping)
        {
            var position = buffer.PositionOf((byte)'\n');
            if (position is null)
            {
                buffer = buffer.Slice(buffer.End);
                return false;
            }
            buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
            skipping = false;
        }
        if (buffer.IsEmpty)
            return false;
        var reader = new SequenceReader<byte>(buffer);
        reader.TryPeek(out byte first);
        if (first is >= (byte)'1' and <= (byte)'9')
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> digits, (byte)' '))
            {
                if (buffer.Length > 10)
                    error = "octet count is not followed by a space";
                return error is not null;
            }
            if (!TryOctetCount(digits, out int length))
            {
                error = "invalid octet count";
                return true;
            }
            if (length > _options.MaxMessageBytes)
            {
                error = $"message of {length} bytes is over inputs.syslog.maxMessageBytes ({_options.MaxMessageBytes})";
                return true;
            }
            if (reader.Remaining < length)
                return false;
            frame = buffer.Slice(reader.Position, length);
            buffer = buffer.Slice(frame.End);
            return true;
        }
        if (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            frame = line;
            buffer = buffer.Slice(reader.Position);
        }
        else if (completed)
        {
            frame = buffer;
            buffer = buffer.Slice(buffer.End);
        }
        else if (buffer.Length > _options.MaxMessageBytes)
        {
            frame = buffer.Slice(0, _options.MaxMessageBytes);
            buffer = buffer.Slice(frame.End);
            truncated = true;
            skipping = true;
        }
        else
        {
            return false;
        }
        if (frame.Length > _options.MaxMessageBytes)
        {
            frame = frame.Slice(0, _options.MaxMessageBytes);
            truncated = true;
        }
        return true;
    }

    private static bool TryOctetCount(ReadOnlySequence<byte> digits, out int length)
    {
        length = 0;
        if (digits.Length is 0 or > 9)
            return false;
        Span<byte> span = stackalloc byte[9];
        digits.CopyTo(span);
        return System.Buffers.Text.Utf8Parser.TryParse(span[..(int)digits.Length], out length, out int consumed) && consumed == digits.Length;
    }

    private async Task UdpLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var datagram = await _udp!.ReceiveAsync(_stop.Token);
                var data = datagram.Buffer.AsSpan();
                bool truncated = data.Length > _options.MaxMessageBytes;
                if (truncated)
                    data = data[.._options.MaxMessageBytes];
                await ProduceAsync(data.ToArray(), truncated);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.LogWarning("Syslog UDP receive failed on port {Port}: {Error}; retrying", UdpPort, ex.Message);
            }
            catch (Exception ex)
            {
                _counters.CountRejected(1);
                _logger.LogWarning(ex, "Syslog UDP datagram on port {Port} not processed", UdpPort);
            }
        }
    }

    private Task ProduceAsync(ReadOnlySpan<byte> message, bool truncated)
    {
        _counters.CountRequest();
        var record = SyslogParser.Parse(message, DateTimeOffset.UtcNow, truncated);
        return ProduceAsync(record);
    }

    private async Task ProduceAsync(IngestRecord record)
    {
        try
        {
            // Waits while the producer's buffer is full: a TCP sender is slowed down rather than losing messages.
            await Task.Run(() => _producer.Produce(_options.Topic, record, report =>
            {
                if (report.IsSuccess)
                    _counters.CountAccepted(1);
                else
                    _counters.CountRejected(1);
            }));
        }
        catch (KafkaException ex)
        {
            _counters.CountRejected(1);
            _logger.LogWarning("Syslog message not stored in {Topic}: {Error}", _options.Topic, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _tcp?.Stop();
        _udp?.Dispose();
        await Task.WhenAll(_loops);
        await Task.WhenAll(_connections.Keys);
        _tcp?.Dispose();
        _stop.Dispose();
    }
}
