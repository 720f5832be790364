using System.Net;
using IngestHub.Broker.Network;
using Xunit;

namespace IngestHub.Broker.Tests.Limits;

public sealed class ConnectionLimitsTests
{
    private static readonly IPAddress s_a = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress s_b = IPAddress.Parse("10.0.0.2");

    [Fact]
    public void Per_ip_limit_and_its_override_apply_per_address()
    {
        var limits = new ConnectionLimits(new BrokerOptions { MaxConnectionsPerIp = 1, MaxConnectionsPerIpOverrides = "10.0.0.2:2" });
        Assert.Equal(ConnectionRefusal.None, limits.TryAcquire("PLAINTEXT", s_a));
        Assert.Equal(ConnectionRefusal.MaxConnectionsPerIp, limits.TryAcquire("PLAINTEXT", s_a));
        // IPv4-mapped IPv6 is the same client.
        Assert.Equal(ConnectionRefusal.MaxConnectionsPerIp, limits.TryAcquire("PLAINTEXT", s_a.MapToIPv6()));
        Assert.Equal(ConnectionRefusal.None, limits.TryAcquire("PLAINTEXT", s_b));
        Assert.Equal(ConnectionRefusal.None, limits.TryAcquire("PLAINTEXT", s_b));
        Assert.Equal(ConnectionRefusal.MaxConnectionsPerIp, limits.TryAcquire("PLAINTEXT", s_b));
        limits.Release("PLAINTEXT", s_a);
        Assert.Equal(ConnectionRefusal.None, limits.TryAcquire("PLAINTEXT", s_a));
        Assert.Equal(3, limits.Total);
    }

    [Fact]
    public void Total_and_listener_limits_refuse_and_releases_free_places()
    {
        var options = new BrokerOptions { MaxConnections = 3 };
        options.ListenerOverrides["SSL"] = new ListenerOverrideOptions { MaxConnections = 1 };
        var limits = new ConnectionLimits(options);
        Assert.Equal(ConnectionRefusal.None, limits.TryAcquire("SSL", s_a));
        Assert.Equal(ConnectionRefusal.ListenerMaxConnections, limits.TryAcquire("SSL", s_b));
        Assert.Equal(ConnectionRefusal.None, limits.TryAcquire("PLAINTEXT", s_a));
        Assert.Equal(ConnectionRefusal.None, limits.TryAcquire("PLAINTEXT", s_b));
        Assert.Equal(ConnectionRefusal.MaxConnections, limits.TryAcquire("PLAINTEXT", s_b));
        limits.Release("SSL", s_a);
        Assert.Equal(ConnectionRefusal.None, limits.TryAcquire("PLAINTEXT", s_b));
    }

    [Fact]
    public void Malformed_override_is_refused_with_the_entry()
    {
        var ex = Assert.Throws<FormatException>(() => new ConnectionLimits(new BrokerOptions { MaxConnectionsPerIpOverrides = "10.0.0.1" }));
        Assert.Contains("10.0.0.1", ex.Message, StringComparison.Ordinal);
    }
}
