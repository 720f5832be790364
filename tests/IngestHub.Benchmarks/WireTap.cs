using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IngestHub.Benchmarks;

/// <summary>
/// A TCP relay between clients and a broker that reads the Kafka framing as it forwards (the broker advertises the
/// relay's port, so every connection of every client goes through it). Per API key it counts requests and request
/// bytes, and for each request: how many of that connection's requests were outstanding when its last byte
/// arrived, how long the broker took to start answering it counted from when it could (its last byte arrived and
/// the previous response on the connection was out: the broker answers a connection's requests one at a time), and
/// how long the broker had nothing of that connection's to do before it (the previous response was out and the
/// request not yet whole: time the connection waited on the client). Any client, librdkafka ones included, is
/// measured the same way; the relay copies every byte once more, so it slows all of them a little.
/// </summary>
internal sealed class WireTap : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<short, ApiTotals> _totals = [];
    private readonly List<Task> _relays = [];
    private Task _accepting = Task.CompletedTask;

    public WireTap(int brokerPort)
    {
        BrokerPort = brokerPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }
    public int BrokerPort { get; }

    /// <summary>A free loopback port (for the broker behind the relay).</summary>
    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public sealed class ApiTotals
    {
        public long Requests;
        public long RequestBytes;
        public long ResponseBytes;
        public long OutstandingSum;
        public long MaxOutstanding;
        public double BrokerSeconds;
        public double ClientWaitSeconds;

        public ApiTotals Clone() => (ApiTotals)MemberwiseClone();

        public ApiTotals Minus(ApiTotals? before) => before is null ? Clone() : new ApiTotals
        {
            Requests = Requests - before.Requests,
            RequestBytes = RequestBytes - before.RequestBytes,
            ResponseBytes = ResponseBytes - before.ResponseBytes,
            OutstandingSum = OutstandingSum - before.OutstandingSum,
            MaxOutstanding = MaxOutstanding,
            BrokerSeconds = BrokerSeconds - before.BrokerSeconds,
            ClientWaitSeconds = ClientWaitSeconds - before.ClientWaitSeconds,
        };
    }

    public Dictionary<short, ApiTotals> Snapshot()
    {
        lock (_lock)
            return _totals.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
    }

    /// <summary>Resets the per-run maximum of outstanding requests.</summary>
    public void ResetMaximum()
    {
        lock (_lock)
        {
            foreach (var t in _totals.Values)
                t.MaxOutstanding = 0;
        }
    }

    /// <summary>One line for an API over a run: requests, KiB per request, outstanding at arrival, broker and
    /// client-wait time per request and in total.</summary>
    public static string Describe(string api, ApiTotals? t, double runSeconds)
    {
        if (t is null || t.Requests == 0)
            return $"{api}: none";
        return string.Create(CultureInfo.InvariantCulture,
            $"{api}: {t.Requests} req, {t.RequestBytes / 1024.0 / t.Requests:F1} KiB/req, outstanding at arrival avg {t.OutstandingSum / (double)t.Requests:F2} max {t.MaxOutstanding}, " +
            $"broker {t.BrokerSeconds * 1e3 / t.Requests:F3} ms/req ({t.BrokerSeconds / runSeconds:P0} of run), " +
            $"waiting on client {t.ClientWaitSeconds * 1e3 / t.Requests:F3} ms/req ({t.ClientWaitSeconds / runSeconds:P0} of run)");
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                client.NoDelay = true;
                var broker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await broker.ConnectAsync(IPAddress.Loopback, BrokerPort, _stop.Token);
                var connection = new Connection(this);
                lock (_lock)
                    _relays.Add(connection.RunAsync(client, broker, _stop.Token));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private void Record(short api, int requestBytes, int outstanding, double brokerSeconds, double clientWaitSeconds)
    {
        lock (_lock)
        {
            if (!_totals.TryGetValue(api, out var t))
                _totals[api] = t = new ApiTotals();
            t.Requests++;
            t.RequestBytes += requestBytes;
            t.OutstandingSum += outstanding;
            t.MaxOutstanding = Math.Max(t.MaxOutstanding, outstanding);
            t.BrokerSeconds += brokerSeconds;
            t.ClientWaitSeconds += clientWaitSeconds;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        Task[] relays;
        lock (_lock)
            relays = [.. _relays];
        await Task.WhenAll(relays);
        _stop.Dispose();
    }

    /// <summary>One relayed connection: requests seen whole (in order) wait here for their responses.</summary>
    private sealed class Connection(WireTap tap)
    {
        private readonly Lock _lock = new();
        private readonly Queue<(short Api, int Bytes, long ArrivedTicks, int Outstanding)> _pending = new();
        // When the broker could last start on a new request: the end of the previous response (or the connection's start).
        private long _brokerFreeTicks = Stopwatch.GetTimestamp();

        public async Task RunAsync(Socket client, Socket broker, CancellationToken stop)
        {
            using (client)
            using (broker)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var up = PumpAsync(client, broker, requests: true, linked.Token);
                var down = PumpAsync(broker, client, requests: false, linked.Token);
                await Task.WhenAny(up, down);
                await linked.CancelAsync();
                try
                {
                    client.Shutdown(SocketShutdown.Both);
                    broker.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                }
                await Task.WhenAll(up, down);
            }
        }

        private async Task PumpAsync(Socket from, Socket to, bool requests, CancellationToken stop)
        {
            var buffer = new byte[256 * 1024];
            var header = new byte[8];
            int headerFill = 0;
            long remaining = 0; // bytes of the current frame (after its 4-byte size) still to come
            short api = 0;
            int frameBytes = 0;
            try
            {
                while (true)
                {
                    int n = await from.ReceiveAsync(buffer, SocketFlags.None, stop);
                    if (n == 0)
                        return;
                    long now = Stopwatch.GetTimestamp();
                    // Parse before forwarding so a response's start is timed before the client can react to it.
                    int i = 0;
                    while (i < n)
                    {
                        if (remaining == 0)
                        {
                            int take = Math.Min(8 - headerFill, n - i);
                            buffer.AsSpan(i, take).CopyTo(header.AsSpan(headerFill));
                            headerFill += take;
                            i += take;
                            if (headerFill < 8)
                                break;
                            headerFill = 0;
                            frameBytes = BinaryPrimitives.ReadInt32BigEndian(header);
                            api = BinaryPrimitives.ReadInt16BigEndian(header.AsSpan(4));
                            remaining = frameBytes - 4;
                            if (!requests)
                                ResponseStarted(now);
                            if (remaining <= 0)
                            {
                                remaining = 0;
                                if (requests)
                                    RequestArrived(api, frameBytes + 4, now);
                                else
                                    ResponseEnded(now);
                            }
                            continue;
                        }
                        int body = (int)Math.Min(remaining, n - i);
                        i += body;
                        remaining -= body;
                        if (remaining == 0)
                        {
                            if (requests)
                                RequestArrived(api, frameBytes + 4, now);
                            else
                                ResponseEnded(now);
                        }
                    }
                    int sent = 0;
                    while (sent < n)
                        sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, stop);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        private void RequestArrived(short api, int bytes, long now)
        {
            lock (_lock)
                _pending.Enqueue((api, bytes, now, _pending.Count + 1));
        }

        private void ResponseStarted(long now)
        {
            (short Api, int Bytes, long ArrivedTicks, int Outstanding) request;
            long free;
            lock (_lock)
            {
                // Produce with acks=0 has no response; such requests are not measured here.
                if (!_pending.TryDequeue(out request))
                    return;
                free = _brokerFreeTicks;
            }
            long start = Math.Max(request.ArrivedTicks, free);
            double broker = Stopwatch.GetElapsedTime(start, now).TotalSeconds;
            double clientWait = request.ArrivedTicks > free ? Stopwatch.GetElapsedTime(free, request.ArrivedTicks).TotalSeconds : 0;
            tap.Record(request.Api, request.Bytes, request.Outstanding, broker, clientWait);
        }

        private void ResponseEnded(long now)
        {
            lock (_lock)
                _brokerFreeTicks = now;
        }
    }
}
