using System.Buffers.Binary;
using IngestHub.Compat.Tests.Infrastructure;
using Xunit;

namespace IngestHub.Compat.Tests;

/// <summary>
/// Hostile or broken bytes on raw sockets. Each time the broker answers or closes that connection, a client
/// connected beforehand and a new one keep working, kcat still works, and the server process stays up.
/// </summary>
public sealed class MalformedInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan s_reactionTimeout = TimeSpan.FromSeconds(10);
    private const long MemoryGrowthLimit = 200L * 1024 * 1024;
    private const int SocketRequestMaxBytes = 100 * 1024 * 1024;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private int Port => fixture.Server.KafkaPort;

    [Fact]
    public async Task Random_bytes_are_answered_or_closed_and_other_clients_keep_working()
    {
        using var bystander = await ConnectHealthyAsync();
        var blob = new byte[1024 * 1024];
        new Random(20240611).NextBytes(blob);
        int announced = BinaryPrimitives.ReadInt32BigEndian(blob);

        using (var attacker = await RawKafkaConnection.ConnectAsync(Port, Ct))
        {
            await attacker.TrySendAsync(blob, Ct);
            var reaction = await attacker.WaitForReactionAsync(s_reactionTimeout);
            // Only a plausible size announcing more than was sent would justify waiting for more bytes.
            bool mayWait = announced >= 0 && announced <= SocketRequestMaxBytes && announced > blob.Length - 4;
            if (!mayWait)
                Assert.NotEqual(BrokerReaction.None, reaction);
        }

        await AssertServingAsync(bystander);
    }

    [Fact]
    public async Task Frames_of_random_bytes_are_answered_or_closed_and_other_clients_keep_working()
    {
        using var bystander = await ConnectHealthyAsync();
        var random = new Random(7);
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var frame = new byte[4 + 64 + random.Next(512)];
            random.NextBytes(frame);
            BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
            await AssertAnsweredOrClosedAsync(frame);
        }

        await AssertServingAsync(bystander);
    }

    private async Task AssertAnsweredOrClosedAsync(byte[] frame)
    {
        using var attacker = await RawKafkaConnection.ConnectAsync(Port, Ct);
        await attacker.TrySendAsync(frame, Ct);
        Assert.NotEqual(BrokerReaction.None, await attacker.WaitForReactionAsync(s_reactionTimeout));
    }

    [Theory]
    [InlineData(0x7FFF_FFFFu)] // 2 GiB - 1
    [InlineData(0x8000_0000u)] // 2 GiB, negative as a signed size
    [InlineData(0x0640_0001u)] // one byte above socket.request.max.bytes
    public async Task Oversized_length_prefix_is_closed_without_buffering_the_body(uint announcedSize)
    {
        using var bystander = await ConnectHealthyAsync();
        long before = fixture.Server.WorkingSetBytes();
        long peak = before;

        using (var attacker = await RawKafkaConnection.ConnectAsync(Port, Ct))
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(prefix, announcedSize);
            await attacker.TrySendAsync(prefix, Ct);
            // Keep streaming a body the broker must not hold on to: 256 MiB, unless it hangs up first.
            var chunk = new byte[1024 * 1024];
            new Random(1).NextBytes(chunk);
            for (int i = 0; i < 256 && await attacker.TrySendAsync(chunk, Ct); i++)
            {
                if (i % 16 == 0)
                    peak = Math.Max(peak, fixture.Server.WorkingSetBytes());
            }
            Assert.NotEqual(BrokerReaction.None, await attacker.WaitForReactionAsync(s_reactionTimeout));
        }

        peak = Math.Max(peak, fixture.Server.WorkingSetBytes());
        Assert.True(peak - before < MemoryGrowthLimit,
            $"working set grew from {before / 1048576} MiB to {peak / 1048576} MiB");
        await AssertServingAsync(bystander);
    }

    [Fact]
    public async Task Truncated_request_followed_by_close_is_closed_and_other_clients_keep_working()
    {
        using var bystander = await ConnectHealthyAsync();
        byte[] request = RawKafkaConnection.EncodeRequest(apiKey: 18, apiVersion: 0, correlationId: 5, body: new byte[80]);

        using (var attacker = await RawKafkaConnection.ConnectAsync(Port, Ct))
        {
            Assert.True(await attacker.TrySendAsync(request.AsMemory(0, 20), Ct));
            attacker.ShutdownSend();
            Assert.Equal(BrokerReaction.Closed, await attacker.WaitForReactionAsync(s_reactionTimeout));
        }

        await AssertServingAsync(bystander);
    }

    [Fact]
    public async Task Unknown_api_key_is_answered_or_closed_and_other_clients_keep_working()
    {
        using var bystander = await ConnectHealthyAsync();

        using (var attacker = await RawKafkaConnection.ConnectAsync(Port, Ct))
        {
            await attacker.TrySendAsync(RawKafkaConnection.EncodeRequest(apiKey: 999, apiVersion: 0, correlationId: 7, body: []), Ct);
            Assert.NotEqual(BrokerReaction.None, await attacker.WaitForReactionAsync(s_reactionTimeout));
        }

        await AssertServingAsync(bystander);
    }

    [Fact]
    public async Task Metadata_v1_with_a_garbage_body_is_answered_or_closed_and_other_clients_keep_working()
    {
        using var bystander = await ConnectHealthyAsync();
        // A topics array claiming two billion entries, then noise.
        var body = new byte[4 + 32];
        new Random(3).NextBytes(body);
        BinaryPrimitives.WriteInt32BigEndian(body, 0x7FFF_FFF0);

        using (var attacker = await RawKafkaConnection.ConnectAsync(Port, Ct))
        {
            await attacker.TrySendAsync(RawKafkaConnection.EncodeRequest(apiKey: 3, apiVersion: 1, correlationId: 9, body), Ct);
            Assert.NotEqual(BrokerReaction.None, await attacker.WaitForReactionAsync(s_reactionTimeout));
        }

        await AssertServingAsync(bystander);
    }

    /// <summary>A well-behaved client connected before the bad input arrives.</summary>
    private async Task<RawKafkaConnection> ConnectHealthyAsync()
    {
        var connection = await RawKafkaConnection.ConnectAsync(Port, Ct);
        await connection.ApiVersionsAsync(correlationId: 1, TimeSpan.FromSeconds(10));
        return connection;
    }

    private async Task AssertServingAsync(RawKafkaConnection bystander)
    {
        Assert.True(fixture.Server.IsRunning, "server process died\n" + fixture.Server.Output);

        var apis = await bystander.ApiVersionsAsync(correlationId: 2, TimeSpan.FromSeconds(10));
        Assert.Contains(apis, a => a.ApiKey == 18);

        using (var fresh = await RawKafkaConnection.ConnectAsync(Port, Ct))
            Assert.Contains(await fresh.ApiVersionsAsync(correlationId: 3, TimeSpan.FromSeconds(10)), a => a.ApiKey == 3);

        var list = await Kcat.RunAsync(["-L", "-b", fixture.Bootstrap, "-m", "10"], timeout: TimeSpan.FromSeconds(30), cancellationToken: Ct);
        Assert.True(list.Succeeded, list.Describe() + fixture.Server.Output);
        Assert.True(fixture.Server.IsRunning, "server process died\n" + fixture.Server.Output);
    }
}
