using IngestHub.Connectors.Redis;
using IngestHub.Pipelines.Configuration;
using IngestHub.Streams.Declarative;

namespace IngestHub.Streams.Tests;

public sealed class TopologyCompilerTests
{
    private static readonly TopologyCompiler Compiler = new(new TopologyEnvironment { BootstrapServers = "127.0.0.1:9092", SinkFactories = [new RedisSinkFactory()] });

    private const string Valid = """
        name: t
        spouts:
          logs: { type: kafka, topics: [app-logs] }
        bolts:
          parse: { type: pipeline, input: logs, codec: json, fields: [service, level] }
          counts:
            type: window
            input: { from: parse, grouping: fields, fields: [service] }
            window: { length: 1m }
            timestamp: "@timestamp"
            group.by: [service]
            pivot: level
          store:
            type: sink
            input: counts
            output: { type: redis, mode: hash, key: "c:%{[@metadata][service]}" }
        """;

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "deploy", "topologies"), "*.yaml"))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void The_shipped_example_topologies_compile(string file)
    {
        var compiled = Compiler.CompileYaml(File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "topologies", file)));
        Assert.Equal(Path.GetFileNameWithoutExtension(file), compiled.Name);
        var definition = compiled.Build();
        Assert.NotEmpty(definition.Spouts);
        Assert.NotEmpty(definition.Bolts);
    }

    [Fact]
    public void A_valid_definition_builds_a_fresh_topology_each_time()
    {
        var compiled = Compiler.CompileYaml(Valid);
        var first = compiled.Build();
        var second = compiled.Build();
        Assert.NotSame(first["parse"].Prototype, second["parse"].Prototype);
        Assert.Equal(["logs", "parse", "counts", "store"], first.Components.Select(c => c.Id));
        Assert.Equal(new Fields("event", "service"), first["counts"].Streams["default"].Fields);
    }

    [Theory]
    [InlineData("window: { length: 1m }", "window: { length: soon }", "bolts.counts.window.length: must be a duration like 30s, 5m or 1h, got 'soon'")]
    [InlineData("window: { length: 1m }", "window: { length: 1m, slide: 2m }", "bolts.counts.window.slide: must not exceed the length (1m)")]
    [InlineData("type: window", "type: windw", "bolts.counts.type: unknown bolt type windw (expected pipeline, filter, window, threshold, sink or class)")]
    [InlineData("fields: [service]", "fields: [host]", "bolts.counts.input.fields: parse emits no field 'host' (fields: [event, service, level])")]
    [InlineData("input: counts", "input: countz", "bolts.store.input: unknown component 'countz'")]
    [InlineData("codec: json", "codec: xml", "bolts.parse.codec: must be one of plain, json, ndjson, got xml")]
    [InlineData("mode: hash", "mode: sorted", "bolts.store.output.mode: must be one of list, stream, channel, hash, string, got sorted")]
    [InlineData("type: redis", "type: mongodb", "bolts.store.output.type: unknown output mongodb (expected one of redis, topic)")]
    [InlineData("topics: [app-logs]", "topics: []", "spouts.logs.topics: is required (a list of topics)")]
    [InlineData("pivot: level", "pivot: level\n    aggregate: sum", "bolts.counts.field: is required for aggregate sum")]
    [InlineData("group.by: [service]", "group.by: [service]\n    grouping: fields", "bolts.counts.grouping: unknown key (expected one of type, parallelism, tasks, tick.seconds, input, window, timestamp, lag, idle.timeout, watermark.interval, group.by, aggregate, field, pivot, document, late.stream)")]
    public void An_invalid_definition_is_refused_with_the_key_named(string valid, string broken, string message)
    {
        Assert.Contains(valid, Valid, StringComparison.Ordinal);
        var ex = Assert.Throws<ConfigException>(() => Compiler.CompileYaml(Valid.Replace(valid, broken, StringComparison.Ordinal)));
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("security.protocol: TLS", "spouts.logs.security.protocol: must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got TLS")]
    [InlineData("sasl.username: u", "spouts.logs.sasl.username: needs security.protocol SASL_PLAINTEXT or SASL_SSL (it is PLAINTEXT)")]
    [InlineData("security.protocol: SASL_PLAINTEXT, ssl.ca.location: /ca.pem, sasl.username: u, sasl.password: p", "spouts.logs.ssl.ca.location: needs security.protocol SSL or SASL_SSL (it is SASL_PLAINTEXT)")]
    [InlineData("security.protocol: SASL_SSL, sasl.username: u", "spouts.logs.sasl.password: is required with security.protocol SASL_SSL")]
    [InlineData("security.protocol: SASL_PLAINTEXT, sasl.mechanism: GSSAPI, sasl.username: u, sasl.password: p", "spouts.logs.sasl.mechanism: must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got GSSAPI")]
    [InlineData("security.protocol: SSL, ssl.key.location: /k.pem", "spouts.logs.ssl.certificate.location: is required: ssl.certificate.location and ssl.key.location go together")]
    [InlineData("security.protocol: SSL, ssl.ca.location: /no/such/ca.pem", "spouts.logs.ssl.ca.location: file /no/such/ca.pem does not exist")]
    public void A_spouts_security_settings_are_checked_with_the_key_named(string settings, string message)
    {
        string yaml = Valid.Replace("logs: { type: kafka, topics: [app-logs] }", $"logs: {{ type: kafka, topics: [app-logs], {settings} }}", StringComparison.Ordinal);
        var ex = Assert.Throws<ConfigException>(() => Compiler.CompileYaml(yaml));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void A_spout_with_security_settings_connects_with_them_and_one_without_uses_the_topologys()
    {
        string yaml = Valid.Replace("logs: { type: kafka, topics: [app-logs] }",
            "logs: { type: kafka, topics: [app-logs], security.protocol: sasl_plaintext, sasl.mechanism: scram-sha-512, sasl.username: reader, sasl.password: pw }", StringComparison.Ordinal);
        var spout = (Kafka.KafkaSpout)Compiler.CompileYaml(yaml).Build()["logs"].Prototype;
        Assert.Equal(("SASL_PLAINTEXT", "SCRAM-SHA-512", "reader", "pw"),
            (spout.Options.Connection!.SecurityProtocol, spout.Options.Connection.SaslMechanism, spout.Options.Connection.SaslUsername, spout.Options.Connection.SaslPassword));
        var plain = (Kafka.KafkaSpout)Compiler.CompileYaml(Valid).Build()["logs"].Prototype;
        Assert.Null(plain.Options.Connection);

        var environment = new TopologyEnvironment
        {
            BootstrapServers = "10.0.0.1:9093",
            Connection = new IngestHub.Client.ClientOptions { SecurityProtocol = "SASL_SSL", SaslUsername = "topo", SaslPassword = "x" },
        };
        var own = environment.ClientOptions(new IngestHub.Client.ConsumerOptions(), null, spout.Options.Connection);
        Assert.Equal(("10.0.0.1:9093", "SASL_PLAINTEXT", "reader"), (own.BootstrapServers, own.SecurityProtocol, own.SaslUsername));
        var inherited = environment.ClientOptions(new IngestHub.Client.ConsumerOptions());
        Assert.Equal(("10.0.0.1:9093", "SASL_SSL", "topo"), (inherited.BootstrapServers, inherited.SecurityProtocol, inherited.SaslUsername));
        var elsewhere = environment.ClientOptions(new IngestHub.Client.ConsumerOptions(), "10.0.0.2:9092");
        Assert.Equal(("10.0.0.2:9092", "PLAINTEXT", null), (elsewhere.BootstrapServers, elsewhere.SecurityProtocol, elsewhere.SaslUsername));
    }

    [Fact]
    public void Filter_errors_are_named_under_the_bolt()
    {
        string yaml = Valid.Replace("codec: json,", "codec: json, filters: [{ grok: { match: { message: \"%{NOPE:x}\" } } }],", StringComparison.Ordinal);
        var ex = Assert.Throws<ConfigException>(() => Compiler.CompileYaml(yaml));
        Assert.StartsWith("bolts.parse.filters[0].grok", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Topology_settings_are_checked_and_unknown_topology_keys_refused()
    {
        var ok = Compiler.CompileYaml("config:\n  topology.message.timeout.secs: 60\n  topology.max.spout.pending: 5000\n  my.setting: 3\n" + Valid);
        Assert.Equal(60, ok.Config.MessageTimeoutSecs);
        Assert.Equal(5000, ok.Config.MaxSpoutPending);
        Assert.Equal(3L, ok.Config.Settings["my.setting"]);
        var typo = Assert.Throws<ConfigException>(() => Compiler.CompileYaml("config:\n  topology.mesage.timeout.secs: 60\n" + Valid));
        Assert.StartsWith("config.topology.mesage.timeout.secs: unknown topology setting", typo.Message, StringComparison.Ordinal);
        var range = Assert.Throws<ConfigException>(() => Compiler.CompileYaml("config:\n  topology.acker.executors: -1\n" + Valid));
        Assert.Equal("config.topology.acker.executors: must be between 0 and 64, got -1", range.Message);
    }

    [Fact]
    public void Invalid_yaml_reports_the_line()
    {
        var ex = Assert.Throws<ConfigException>(() => Compiler.CompileYaml("name: t\nspouts: [\n"));
        Assert.Contains("invalid YAML at line", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_class_component_must_exist_and_be_a_bolt()
    {
        string yaml = Valid.Replace("type: pipeline, input: logs, codec: json, fields: [service, level]",
            "type: class, input: logs, class: \"No.Such.Type, Nowhere\"", StringComparison.Ordinal);
        var ex = Assert.Throws<ConfigException>(() => Compiler.CompileYaml(yaml));
        Assert.Equal("bolts.parse.class: type No.Such.Type, Nowhere was not found (is its assembly in the topologies folder?)", ex.Message);
        string notBolt = Valid.Replace("type: pipeline, input: logs, codec: json, fields: [service, level]",
            "type: class, input: logs, class: \"System.Text.StringBuilder\"", StringComparison.Ordinal);
        var ex2 = Assert.Throws<ConfigException>(() => Compiler.CompileYaml(notBolt));
        Assert.Equal("bolts.parse.class: System.Text.StringBuilder is not a IBolt or IBasicBolt or IWindowedBolt", ex2.Message);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "IngestHub.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
