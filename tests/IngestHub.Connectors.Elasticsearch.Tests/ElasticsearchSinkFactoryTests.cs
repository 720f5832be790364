using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using IngestHub.Pipelines.Configuration;
using Xunit;

namespace IngestHub.Connectors.Elasticsearch.Tests;

/// <summary>The sink type's published schema and its connection test.</summary>
public sealed class ElasticsearchSinkFactoryTests
{
    public static TheoryData<string> Targets => [ElasticsearchTarget.TestServerKind, ElasticsearchTarget.RealKind];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Check_reads_cluster_info_and_checks_index_privileges_without_writing(string kind)
    {
        await using var target = await ElasticsearchTarget.CreateAsync(kind);
        var factory = new ElasticsearchSinkFactory();
        var checks = await factory.CheckAsync("check", target.Settings(new JsonObject { ["index"] = target.Prefix + "-%{+yyyy.MM.dd}" }), TestContext.Current.CancellationToken);
        var cluster = Assert.Single(checks, c => c.Check == "cluster");
        Assert.True(cluster.Ok, cluster.Message);
        Assert.StartsWith("cluster ", cluster.Message, StringComparison.Ordinal);
        Assert.Contains("Elasticsearch ", cluster.Message, StringComparison.Ordinal);
        var privileges = Assert.Single(checks, c => c.Check == "index privileges");
        Assert.True(privileges.Ok, privileges.Message);
        Assert.Equal(0, await target.CountAsync(target.Prefix + "-*"));
    }

    [Fact]
    public async Task Check_reports_an_unreachable_cluster_as_a_failed_check()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var checks = await new ElasticsearchSinkFactory().CheckAsync("check",
            new JsonObject { ["hosts"] = new JsonArray($"http://127.0.0.1:{port}"), ["request.timeout.ms"] = 2000 }, TestContext.Current.CancellationToken);
        var cluster = Assert.Single(checks);
        Assert.False(cluster.Ok);
        Assert.Equal("cluster", cluster.Check);
    }

    [Fact]
    public void Schema_lists_every_key_the_parser_accepts()
    {
        var factory = new ElasticsearchSinkFactory();
        var settings = new JsonObject();
        foreach (var d in factory.Settings)
            settings[d.Name] = d.Default?.DeepClone();
        // Every published key with its published default parses; an unpublished key is refused.
        foreach (var (key, value) in settings.ToList())
            if (value is null)
                settings.Remove(key);
        ElasticsearchSinkOptions.Parse(settings);
        var ex = Assert.Throws<ConfigException>(() => ElasticsearchSinkOptions.Parse(new JsonObject { ["hostz"] = "x" }));
        Assert.Equal("hostz", ex.Key);
    }
}
