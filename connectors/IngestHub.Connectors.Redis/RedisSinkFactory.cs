using System.Globalization;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Sinks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace IngestHub.Connectors.Redis;

/// <summary>Builds <see cref="RedisSink"/>s for outputs of type <c>redis</c>.</summary>
public sealed class RedisSinkFactory : ISinkFactory
{
    public string Type => "redis";

    public IReadOnlyList<SettingDefinition> Settings => RedisSinkSettings.Definitions;

    public ISink Create(string connectorName, JsonObject settings, ILoggerFactory loggerFactory) =>
        new RedisSink(connectorName, RedisSinkSettings.Parse(connectorName, settings), loggerFactory.CreateLogger<RedisSink>());

    /// <summary>Connects (AUTH and SELECT happen on connect) and PINGs every server; writes nothing.</summary>
    public async Task<IReadOnlyList<SinkCheck>> CheckAsync(string connectorName, JsonObject settings, CancellationToken cancellationToken)
    {
        var options = RedisSinkSettings.Parse(connectorName, settings).Connection.Clone();
        options.AbortOnConnectFail = true; // one attempt, and its reason
        options.ConnectRetry = 1;
        options.ClientName = "ingesthub-test-" + connectorName;
        string endpoints = string.Join(",", options.EndPoints.Select(EndPointCollection.ToString));
        ConnectionMultiplexer redis;
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken);
        }
        catch (RedisConnectionException e)
        {
            string reason = e.FailureType == ConnectionFailureType.AuthenticationFailure || e.Message.Contains("AuthenticationFailure", StringComparison.Ordinal)
                ? "AUTH refused (check username and password)"
                : e.Message.ReplaceLineEndings(" ");
            return [new SinkCheck("connect", false, $"no connection to {endpoints}: {reason}")];
        }
        await using (redis)
        {
            var checks = new List<SinkCheck>
            {
                new("connect", true, $"connected to {endpoints}" + (options.Password is null ? "" : " (AUTH accepted)")),
            };
            foreach (var endpoint in redis.GetEndPoints())
            {
                var server = redis.GetServer(endpoint);
                try
                {
                    var latency = await server.PingAsync().WaitAsync(cancellationToken);
                    checks.Add(new SinkCheck("ping " + EndPointCollection.ToString(endpoint), true,
                        string.Create(CultureInfo.InvariantCulture, $"PONG in {latency.TotalMilliseconds:0.0} ms, Redis {server.Version}, {server.ServerType.ToString().ToLowerInvariant()}")));
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    checks.Add(new SinkCheck("ping " + EndPointCollection.ToString(endpoint), false, e.Message.ReplaceLineEndings(" ")));
                }
            }
            return checks;
        }
    }
}
