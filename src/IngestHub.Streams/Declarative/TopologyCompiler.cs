using System.Reflection;
using System.Text.Json.Nodes;
using IngestHub.Client;
using IngestHub.Pipelines;
using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Filters;
using IngestHub.Pipelines.Sinks;
using IngestHub.Streams.Bolts;
using IngestHub.Streams.Kafka;
using IngestHub.Streams.Runtime;
using IngestHub.Streams.Topology;
using IngestHub.Streams.Windows;

namespace IngestHub.Streams.Declarative;

/// <summary>
/// Builds topologies from their declarative form (<c>topologies/*.yaml</c>, or the same document as JSON through
/// the REST API) out of the stock parts: spouts <c>kafka</c>; bolts <c>pipeline</c> (codec + filters),
/// <c>filter</c>, <c>window</c> (count/sum/distinct by fields), <c>threshold</c>, <c>sink</c> (any pipeline
/// output type plus <c>topic</c>) and <c>class</c> (a spout or bolt type from a loaded assembly). Every error is a
/// <see cref="ConfigException"/> naming the key (<c>bolts.counts.window.length: …</c>).
/// </summary>
public sealed class TopologyCompiler
{
    private static readonly string[] TopKeys = ["name", "description", "config", "spouts", "bolts"];
    private static readonly string[] CommonKeys = ["type", "parallelism", "tasks", "tick.seconds"];
    private static readonly string[] BoltCommonKeys = [.. CommonKeys, "input"];
    private static readonly string[] KnownConfigKeys =
    [
        TopologyConfig.MessageTimeoutSecsKey, TopologyConfig.MaxSpoutPendingKey, TopologyConfig.AckerExecutorsKey, TopologyConfig.ReceiveBufferSizeKey,
        TopologyConfig.TransferBatchSizeKey, TopologyConfig.StatsSampleRateKey, TopologyConfig.DeadLetterTopicKey,
    ];

    private readonly TopologyEnvironment _environment;
    private readonly Func<string, Type?> _resolveType;

    /// <param name="resolveType">Resolves <c>class:</c> names (the host passes one that also searches loaded topology assemblies).</param>
    public TopologyCompiler(TopologyEnvironment environment, Func<string, Type?>? resolveType = null)
    {
        _environment = environment;
        _resolveType = resolveType ?? (name => Type.GetType(name, throwOnError: false));
    }

    public CompiledTopology CompileYaml(string yaml) => Compile(YamlJson.ParseObject(yaml));

    public CompiledTopology Compile(JsonObject document)
    {
        var root = (JsonObject)document.DeepClone();
        var s = new SettingsReader(root);
        s.RejectUnknownKeys(TopKeys);
        string name = s.RequiredString("name");
        if (!TopologyBuilder.IdPattern().IsMatch(name) || name.Length > 200)
            throw new ConfigException("name", $"'{name}' may contain only letters, digits, '.', '_' and '-' (at most 200)");
        var config = ReadConfig(s.Section("config"));
        var spouts = Components(root, "spouts", required: true);
        var bolts = Components(root, "bolts", required: false);

        // Compile once now, so a bad definition is refused before it is accepted; every run builds afresh.
        TopologyDefinition Build() => BuildDefinition(name, config, spouts, bolts);
        var probe = Build();
        foreach (var component in probe.Components)
        {
            if (component.Prototype is ISubmitCheck check)
            {
                try
                {
                    check.Check(component, config);
                }
                catch (InvalidTopologyException ex)
                {
                    throw new ConfigException(KeyOf(component.Id, spouts), ex.Message[(component.Id.Length + 2)..]);
                }
            }
        }
        return new CompiledTopology(name, s.String("description"), config, Build, root);
    }

    private static string KeyOf(string id, List<(string Id, JsonObject Settings)> spouts) =>
        (spouts.Exists(x => x.Id == id) ? "spouts." : "bolts.") + id;

    private static TopologyConfig ReadConfig(SettingsReader s)
    {
        var config = new TopologyConfig();
        foreach (var (key, node) in s.Settings)
        {
            object? value = node switch
            {
                null => null,
                JsonValue v when v.TryGetValue(out long l) => l,
                JsonValue v when v.TryGetValue(out double d) => d,
                JsonValue v when v.TryGetValue(out bool b) => b,
                JsonValue v => v.ToString(),
                _ => throw new ConfigException(s.KeyOf(key), "must be a scalar value"),
            };
            if (key.StartsWith("topology.", StringComparison.Ordinal) && Array.IndexOf(KnownConfigKeys, key) < 0)
                throw new ConfigException(s.KeyOf(key), $"unknown topology setting (expected one of {string.Join(", ", KnownConfigKeys)}; settings for your own components must not start with topology.)");
            try
            {
                config.Set(key, value);
            }
            catch (ArgumentException ex)
            {
                throw new ConfigException(s.KeyOf(key), ex.Message[(key.Length + 2)..]);
            }
        }
        return config;
    }

    private static List<(string Id, JsonObject Settings)> Components(JsonObject root, string section, bool required)
    {
        var list = new List<(string, JsonObject)>();
        switch (root[section])
        {
            case null when required:
                throw new ConfigException(section, "is required: a mapping of component id to its settings");
            case null:
                return list;
            case JsonObject map:
                foreach (var (id, node) in map)
                {
                    string key = $"{section}.{id}";
                    if (!TopologyBuilder.IdPattern().IsMatch(id) || id.StartsWith("__", StringComparison.Ordinal))
                        throw new ConfigException(key, "component ids may contain only letters, digits, '.', '_' and '-' and must not start with __");
                    if (node is not JsonObject settings)
                        throw new ConfigException(key, "must be a mapping of settings with a type");
                    list.Add((id, settings));
                }
                if (required && list.Count == 0)
                    throw new ConfigException(section, "needs at least one component");
                return list;
            default:
                throw new ConfigException(section, "must be a mapping of component id to its settings");
        }
    }

    private TopologyDefinition BuildDefinition(string name, TopologyConfig config, List<(string Id, JsonObject Settings)> spouts, List<(string Id, JsonObject Settings)> bolts)
    {
        var builder = new TopologyBuilder();
        var fields = new Dictionary<string, Fields>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, settings) in spouts)
        {
            string key = "spouts." + id;
            var s = new SettingsReader(settings, key);
            if (!ids.Add(id))
                throw new ConfigException(key, "component id is used twice");
            string type = s.RequiredString("type");
            var (factory, declared) = type switch
            {
                "kafka" => KafkaSpout(s),
                "class" => ClassComponent<ISpout>(s, key, CommonKeys),
                _ => throw new ConfigException(s.KeyOf("type"), $"unknown spout type {type} (expected kafka or class)"),
            };
            fields[id] = declared;
            var declarer = builder.SetSpout(id, factory, Parallelism(s));
            ApplyCommon(declarer, s);
        }
        // Bolts are built once their inputs' fields are known (inputs may be declared after their subscribers).
        var pending = new List<(string Id, JsonObject Settings)>(bolts);
        while (pending.Count > 0)
        {
            int before = pending.Count;
            for (int i = 0; i < pending.Count; i++)
            {
                var (id, settings) = pending[i];
                string key = "bolts." + id;
                var s = new SettingsReader(settings, key);
                var inputs = Inputs(s, ids, bolts);
                if (inputs.Exists(input => !fields.ContainsKey(input.Source)))
                    continue;
                if (!ids.Add(id))
                    throw new ConfigException(key, "component id is used twice");
                pending.RemoveAt(i--);
                var inputFields = fields[inputs[0].Source];
                string type = s.RequiredString("type");
                var (bolt, declared) = type switch
                {
                    "pipeline" => PipelineBolt(s, id),
                    "filter" => FilterBolt(s, inputFields),
                    "window" => WindowBolt(s),
                    "threshold" => ThresholdBolt(s),
                    "sink" => SinkBolt(s, $"{name}.{id}"),
                    "class" => ClassBolt(s, key, BoltCommonKeys),
                    _ => throw new ConfigException(s.KeyOf("type"), $"unknown bolt type {type} (expected pipeline, filter, window, threshold, sink or class)"),
                };
                fields[id] = declared;
                var declarer = bolt switch
                {
                    Func<IBolt> f => builder.SetBolt(id, f, Parallelism(s)),
                    Func<IBasicBolt> f => builder.SetBolt(id, f, Parallelism(s)),
                    Func<IWindowedBolt> f => builder.SetBolt(id, f, Parallelism(s)),
                    _ => throw new InvalidOperationException("unexpected bolt factory"),
                };
                ApplyCommon(declarer, s);
                foreach (var input in inputs)
                {
                    var sourceFields = fields[input.Source];
                    if (input.Grouping.Kind == GroupingKind.Fields)
                    {
                        foreach (var f in input.Grouping.Fields!)
                        {
                            if (!sourceFields.Contains(f) && input.Stream == TopologyConstants.DefaultStream)
                                throw new ConfigException(input.Key + ".fields", $"{input.Source} emits no field '{f}' (fields: {sourceFields})");
                        }
                    }
                    declarer.Grouping(input.Source, input.Stream, input.Grouping);
                }
            }
            if (pending.Count == before)
            {
                var (id, settings) = pending[0];
                var inputs = Inputs(new SettingsReader(settings, "bolts." + id), ids, bolts);
                var missing = inputs.First(input => !fields.ContainsKey(input.Source));
                throw new ConfigException(missing.Key, $"input {missing.Source} is part of a cycle");
            }
        }
        try
        {
            return builder.CreateTopology(name);
        }
        catch (InvalidTopologyException ex)
        {
            throw new ConfigException(ex.Message, ex);
        }
    }

    private static int Parallelism(SettingsReader s) => s.Int("parallelism", 1, 1, 1024);

    private static void ApplyCommon<T>(ComponentDeclarer<T> declarer, SettingsReader s) where T : ComponentDeclarer<T>
    {
        if (s.Has("tasks"))
            declarer.SetNumTasks(s.Int("tasks", 1, 1, 4096));
        if (s.Has("tasks") && s.Int("tasks", 1) < Parallelism(s))
            throw new ConfigException(s.KeyOf("tasks"), $"must be at least parallelism ({Parallelism(s)})");
        if (s.Has("tick.seconds"))
            declarer.SetTickFrequency(s.Int("tick.seconds", 1, 1, 86_400));
    }

    private sealed record Input(string Key, string Source, string Stream, Grouping Grouping);

    private static List<Input> Inputs(SettingsReader s, HashSet<string> known, List<(string Id, JsonObject Settings)> bolts)
    {
        string key = s.KeyOf("input");
        var node = s.Settings["input"] ?? throw new ConfigException(key, "is required: the component (and stream, grouping) this bolt reads");
        var items = node is JsonArray array ? [.. array] : new List<JsonNode?> { node };
        if (items.Count == 0)
            throw new ConfigException(key, "needs at least one input");
        var result = new List<Input>();
        for (int i = 0; i < items.Count; i++)
        {
            string itemKey = node is JsonArray ? $"{key}[{i}]" : key;
            switch (items[i])
            {
                case JsonValue v when v.TryGetValue(out string? source):
                    result.Add(new Input(itemKey, Known(source, itemKey, known, bolts), TopologyConstants.DefaultStream, new Grouping(GroupingKind.Shuffle)));
                    break;
                case JsonObject obj:
                    var r = new SettingsReader(obj, itemKey);
                    r.RejectUnknownKeys("from", "stream", "grouping", "fields");
                    string from = Known(r.RequiredString("from"), r.KeyOf("from"), known, bolts);
                    string stream = r.String("stream", TopologyConstants.DefaultStream)!;
                    var kind = r.Enum("grouping", GroupingKind.Shuffle);
                    var groupingFields = r.StringList("fields");
                    if (kind == GroupingKind.Fields && groupingFields.Count == 0)
                        throw new ConfigException(r.KeyOf("fields"), "is required for fields grouping");
                    if (kind != GroupingKind.Fields && groupingFields.Count > 0)
                        throw new ConfigException(r.KeyOf("fields"), "is only used with grouping: fields");
                    result.Add(new Input(itemKey, from, stream, new Grouping(kind, kind == GroupingKind.Fields ? new Fields(groupingFields) : null)));
                    break;
                default:
                    throw new ConfigException(itemKey, "must be a component id or { from, stream, grouping, fields }");
            }
        }
        return result;
    }

    private static string Known(string source, string key, HashSet<string> known, List<(string Id, JsonObject Settings)> bolts)
    {
        if (!known.Contains(source) && !bolts.Exists(b => b.Id == source))
            throw new ConfigException(key, $"unknown component '{source}'");
        return source;
    }

    // ---- spouts ----

    private static (Func<ISpout>, Fields) KafkaSpout(SettingsReader s)
    {
        s.RejectUnknownKeys([.. CommonKeys, "topics", "group.id", "bootstrap.servers", "start", "commit.period.ms", "max.uncommitted.offsets",
            "retry", "dead.letter.topic", "session.timeout.ms", "autoscale", .. SecurityKeys]);
        var topics = s.StringList("topics");
        if (topics.Count == 0)
            throw new ConfigException(s.KeyOf("topics"), "is required (a list of topics)");
        string start = s.String("start", "earliest")!;
        if (start is not ("earliest" or "latest"))
            throw new ConfigException(s.KeyOf("start"), $"must be earliest or latest, got {start}");
        var retry = s.Section("retry");
        retry.RejectUnknownKeys("initial.delay.ms", "delay.period.ms", "max.delay.ms", "max.retries");
        var options = new KafkaSpoutOptions
        {
            Topics = topics,
            GroupId = s.String("group.id"),
            BootstrapServers = s.String("bootstrap.servers"),
            Connection = Security(s),
            StartFromEarliest = start == "earliest",
            CommitPeriod = TimeSpan.FromMilliseconds(s.Int("commit.period.ms", 5000, 10, 3_600_000)),
            MaxUncommittedOffsets = s.Int("max.uncommitted.offsets", 100_000, 1, 100_000_000),
            DeadLetterTopic = s.String("dead.letter.topic"),
            SessionTimeoutMs = s.Int("session.timeout.ms", 30_000, 1000, 3_600_000),
            Autoscale = s.Has("autoscale") ? AutoscaleDefinition.Parse(s.Section("autoscale")) : null,
            Retry = new KafkaSpoutRetry
            {
                InitialDelay = TimeSpan.FromMilliseconds(retry.Long("initial.delay.ms", 0, 0, 3_600_000)),
                DelayPeriod = TimeSpan.FromMilliseconds(retry.Long("delay.period.ms", 2, 0, 3_600_000)),
                MaxDelay = TimeSpan.FromMilliseconds(retry.Long("max.delay.ms", 10_000, 0, 3_600_000)),
                MaxRetries = retry.Int("max.retries", 10, 0, 1_000_000),
            },
        };
        return (() => new KafkaSpout(options), Kafka.KafkaSpout.OutputFields);
    }

    /// <summary>The Kafka client property names a spout may set for its own connection.</summary>
    private static readonly string[] SecurityKeys =
    [
        "security.protocol", "sasl.mechanism", "sasl.username", "sasl.password",
        "ssl.ca.location", "ssl.certificate.location", "ssl.key.location", "ssl.endpoint.identification.algorithm",
    ];

    /// <summary>The spout's own security settings (null when it sets none), checked the way a Kafka client would
    /// refuse them: a SASL protocol needs a user and password, sasl.* needs a SASL protocol, ssl.* a TLS one, a
    /// certificate its key, and every file must exist.</summary>
    private static ClientOptions? Security(SettingsReader s)
    {
        if (!SecurityKeys.Any(s.Has))
            return null;
        string protocol = s.String("security.protocol", "PLAINTEXT")!.Trim().ToUpperInvariant();
        if (protocol is not ("PLAINTEXT" or "SSL" or "SASL_PLAINTEXT" or "SASL_SSL"))
            throw new ConfigException(s.KeyOf("security.protocol"), $"must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, got {protocol}");
        bool sasl = protocol is "SASL_PLAINTEXT" or "SASL_SSL";
        bool tls = protocol is "SSL" or "SASL_SSL";
        foreach (string key in SecurityKeys.Where(k => s.Has(k) && ((k.StartsWith("sasl.", StringComparison.Ordinal) && !sasl) || (k.StartsWith("ssl.", StringComparison.Ordinal) && !tls))))
            throw new ConfigException(s.KeyOf(key), $"needs security.protocol {(key.StartsWith("sasl.", StringComparison.Ordinal) ? "SASL_PLAINTEXT or SASL_SSL" : "SSL or SASL_SSL")} (it is {protocol})");
        string mechanism = s.String("sasl.mechanism", "PLAIN")!.Trim().ToUpperInvariant();
        if (mechanism is not ("PLAIN" or "SCRAM-SHA-256" or "SCRAM-SHA-512"))
            throw new ConfigException(s.KeyOf("sasl.mechanism"), $"must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got {mechanism}");
        string? user = s.String("sasl.username");
        string? password = s.String("sasl.password");
        if (sasl && string.IsNullOrEmpty(user))
            throw new ConfigException(s.KeyOf("sasl.username"), $"is required with security.protocol {protocol}");
        if (sasl && password is null)
            throw new ConfigException(s.KeyOf("sasl.password"), $"is required with security.protocol {protocol}");
        if (s.Has("ssl.certificate.location") != s.Has("ssl.key.location"))
            throw new ConfigException(s.KeyOf(s.Has("ssl.key.location") ? "ssl.certificate.location" : "ssl.key.location"),
                "is required: ssl.certificate.location and ssl.key.location go together");
        foreach (string key in new[] { "ssl.ca.location", "ssl.certificate.location", "ssl.key.location" })
        {
            if (s.String(key) is { } path && !File.Exists(path))
                throw new ConfigException(s.KeyOf(key), $"file {path} does not exist");
        }
        string algorithm = s.String("ssl.endpoint.identification.algorithm", "https")!;
        if (algorithm is not ("https" or "none"))
            throw new ConfigException(s.KeyOf("ssl.endpoint.identification.algorithm"), $"must be https or none, got {algorithm}");
        return new ClientOptions
        {
            SecurityProtocol = protocol,
            SaslMechanism = mechanism,
            SaslUsername = user,
            SaslPassword = password,
            SslCaLocation = s.String("ssl.ca.location"),
            SslCertificateLocation = s.String("ssl.certificate.location"),
            SslKeyLocation = s.String("ssl.key.location"),
            SslEndpointIdentificationAlgorithm = algorithm,
        };
    }

    // ---- bolts ----

    private (Func<IBolt>, Fields) PipelineBolt(SettingsReader s, string id)
    {
        s.RejectUnknownKeys([.. BoltCommonKeys, "codec", "filters", "fields"]);
        // The pipeline's own parser validates codec and filters; its keys are prefixed with this bolt's.
        var definition = new JsonObject
        {
            ["name"] = id,
            ["input"] = new JsonObject { ["topics"] = new JsonArray("topology") },
            ["output"] = new JsonObject { ["type"] = "none" },
        };
        if (s.Settings["codec"] is { } codec)
            definition["codec"] = codec.DeepClone();
        if (s.Settings["filters"] is { } filters)
            definition["filters"] = filters.DeepClone();
        PipelineDefinition parsed;
        try
        {
            parsed = PipelineDefinition.FromJson(definition);
        }
        catch (ConfigException ex) when (ex.Key is not null)
        {
            throw new ConfigException(s.KeyOf(ex.Key), ex.Message[(ex.Key.Length + 2)..]);
        }
        var fieldNames = s.StringList("fields");
        foreach (var f in fieldNames)
        {
            if (!Pipelines.Events.FieldReference.TryParse(f, out _))
                throw new ConfigException(s.KeyOf("fields"), $"'{f}' is not a field reference");
        }
        var names = fieldNames.Select(WindowAggregateBolt.OutputName).ToArray();
        var clock = _environment.Clock;
        return (() => new PipelineBolt(Pipeline.Compile(parsed, clock), fieldNames), new Fields([TupleEvents.EventField, .. names]));
    }

    private static (Func<IBolt>, Fields) FilterBolt(SettingsReader s, Fields inputFields)
    {
        s.RejectUnknownKeys([.. BoltCommonKeys, "if"]);
        if (!s.Has("if"))
            throw new ConfigException(s.KeyOf("if"), "is required: a condition such as { field: level, equals: ERROR }");
        var condition = EventCondition.Parse(s.Settings["if"], s.KeyOf("if"));
        return (() => new FilterBolt(condition, inputFields), inputFields);
    }

    private static (Func<IBolt>, Fields) WindowBolt(SettingsReader s)
    {
        s.RejectUnknownKeys([.. BoltCommonKeys, "window", "timestamp", "lag", "idle.timeout", "watermark.interval", "group.by", "aggregate",
            "field", "pivot", "document", "late.stream"]);
        var window = s.Section("window");
        if (!s.Has("window"))
            throw new ConfigException(s.KeyOf("window"), "is required, e.g. { length: 1m } (tumbling) or { length: 5m, slide: 1m }");
        window.RejectUnknownKeys("length", "slide");
        var length = Durations.Read(window, "length", null, TimeSpan.FromMilliseconds(1))
            ?? throw new ConfigException(window.KeyOf("length"), "is required");
        var slide = Durations.Read(window, "slide", null, TimeSpan.FromMilliseconds(1));
        if (slide is { } sl && sl > length)
            throw new ConfigException(window.KeyOf("slide"), $"must not exceed the length ({WindowSize.Describe(length)})");
        var aggregate = s.Enum("aggregate", WindowAggregate.Count);
        string? field = s.String("field");
        if (aggregate != WindowAggregate.Count && field is null)
            throw new ConfigException(s.KeyOf("field"), $"is required for aggregate {aggregate.ToString().ToLowerInvariant()}");
        string document = s.String("document", "counts")!;
        if (document is not ("counts" or "full"))
            throw new ConfigException(s.KeyOf("document"), $"must be counts or full, got {document}");
        var options = new WindowAggregateOptions
        {
            Length = length,
            Slide = slide == length ? null : slide,
            Timestamp = s.String("timestamp"),
            Lag = Durations.Read(s, "lag", TimeSpan.Zero)!.Value,
            IdleTimeout = Durations.Read(s, "idle.timeout", null, TimeSpan.FromMilliseconds(100)),
            WatermarkInterval = Durations.Read(s, "watermark.interval", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10))!.Value,
            GroupBy = s.StringList("group.by"),
            Aggregate = aggregate,
            Field = field,
            Pivot = s.String("pivot"),
            FullDocument = document == "full",
            LateStream = s.String("late.stream", TopologyConstants.LateStream)!,
        };
        var probe = new WindowAggregateBolt(options);
        var declared = new FieldsDeclarer();
        probe.DeclareOutputFields(declared);
        return (() => new WindowAggregateBolt(options), declared.Default!);
    }

    private static (Func<IBolt>, Fields) ThresholdBolt(SettingsReader s)
    {
        s.RejectUnknownKeys([.. BoltCommonKeys, "key", "numerator", "denominator", "above", "minimum.total", "resolved"]);
        var numerator = s.StringList("numerator");
        if (numerator.Count == 0)
            throw new ConfigException(s.KeyOf("numerator"), "is required: the result fields whose share is watched, e.g. [ERROR]");
        double above = ReadDouble(s, "above", double.NaN);
        if (double.IsNaN(above) || above is < 0 or > 1)
            throw new ConfigException(s.KeyOf("above"), "is required: a share between 0 and 1, e.g. 0.05");
        var options = new ThresholdOptions
        {
            Key = s.StringList("key"),
            Numerator = numerator,
            Denominator = s.StringList("denominator"),
            Above = above,
            MinimumTotal = ReadDouble(s, "minimum.total", 1),
            EmitResolved = s.Bool("resolved", true),
        };
        return (() => new ThresholdBolt(options), new Fields([TupleEvents.EventField, .. options.Key.Select(WindowAggregateBolt.OutputName)]));
    }

    private (Func<IBolt>, Fields) SinkBolt(SettingsReader s, string sinkName)
    {
        s.RejectUnknownKeys([.. BoltCommonKeys, "output", "batch.size", "retry.ms"]);
        if (s.Settings["output"] is not JsonObject output)
            throw new ConfigException(s.KeyOf("output"), "is required: { type: redis|elasticsearch|topic, ... }");
        var o = new SettingsReader(output, s.KeyOf("output"));
        string type = o.RequiredString("type");
        var settings = (JsonObject)output.DeepClone();
        settings.Remove("type");
        var factories = SinkFactories();
        var factory = factories.FirstOrDefault(f => string.Equals(f.Type, type, StringComparison.OrdinalIgnoreCase))
            ?? throw new ConfigException(o.KeyOf("type"), $"unknown output {type} (expected one of {string.Join(", ", factories.Select(f => f.Type))})");
        // Validate the sink's settings now (and release the probe).
        try
        {
            factory.Create(sinkName, settings, _environment.LoggerFactory).DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (ConfigException ex) when (ex.Key is not null)
        {
            throw new ConfigException(o.KeyOf(ex.Key), ex.Message[(ex.Key.Length + 2)..]);
        }
        int batch = s.Int("batch.size", 500, 1, 100_000);
        TimeSpan? retry = s.Has("retry.ms") ? TimeSpan.FromMilliseconds(s.Int("retry.ms", 10_000, 0, 3_600_000)) : null;
        var loggerFactory = _environment.LoggerFactory;
        return (() => new SinkBolt(() => factory.Create(sinkName, (JsonObject)settings.DeepClone(), loggerFactory), batch, retry), Fields.Empty);
    }

    private IReadOnlyList<ISinkFactory> SinkFactories()
    {
        var list = new List<ISinkFactory>(_environment.SinkFactories);
        if (!list.Exists(f => f.Type == "topic"))
            list.Add(new TopicSinkFactory(_environment));
        return list;
    }

    private (object, Fields) ClassBolt(SettingsReader s, string key, string[] allowed)
    {
        var (factory, fields, kind) = ClassFactory(s, key, allowed, typeof(IBolt), typeof(IBasicBolt), typeof(IWindowedBolt));
        object typed = kind == typeof(IBolt) ? () => (IBolt)factory()
            : kind == typeof(IBasicBolt) ? () => (IBasicBolt)factory()
            : (object)(() => (IWindowedBolt)factory());
        return (typed, fields);
    }

    private (Func<T>, Fields) ClassComponent<T>(SettingsReader s, string key, string[] allowed) where T : class
    {
        var (factory, fields, _) = ClassFactory(s, key, allowed, typeof(T));
        return (() => (T)factory(), fields);
    }

    private (Func<object>, Fields, Type) ClassFactory(SettingsReader s, string key, string[] allowed, params Type[] kinds)
    {
        s.RejectUnknownKeys([.. allowed, "class", "settings"]);
        string name = s.RequiredString("class");
        var type = _resolveType(name) ?? throw new ConfigException(s.KeyOf("class"), $"type {name} was not found (is its assembly in the topologies folder?)");
        var kind = kinds.FirstOrDefault(k => k.IsAssignableFrom(type))
            ?? throw new ConfigException(s.KeyOf("class"), $"{type.FullName} is not a {string.Join(" or ", kinds.Select(k => k.Name))}");
        var settings = s.Settings["settings"] as JsonObject ?? [];
        var withSettings = type.GetConstructor([typeof(JsonObject)]);
        var plain = type.GetConstructor(Type.EmptyTypes);
        if (withSettings is null && plain is null)
            throw new ConfigException(s.KeyOf("class"), $"{type.FullName} needs a public constructor taking no arguments or a JsonObject of settings");
        object Create()
        {
            try
            {
                return withSettings is not null ? withSettings.Invoke([settings.DeepClone()]) : plain!.Invoke(null);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is ConfigException config)
            {
                throw new ConfigException(config.Key is null ? s.KeyOf("settings") : s.KeyOf("settings." + config.Key), config.Key is null ? config.Message : config.Message[(config.Key.Length + 2)..]);
            }
            catch (TargetInvocationException ex)
            {
                throw new ConfigException(s.KeyOf("settings"), $"{type.Name} refused its settings: {ex.InnerException?.Message}");
            }
        }
        var declarer = new FieldsDeclarer();
        ((IComponent)Create()).DeclareOutputFields(declarer);
        return (Create, declarer.Default ?? Fields.Empty, kind);
    }

    private static double ReadDouble(SettingsReader s, string name, double defaultValue)
    {
        var node = s.Settings[name];
        if (node is null)
            return defaultValue;
        if (node is JsonValue v && (v.TryGetValue(out double d) || (v.TryGetValue(out string? text) && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out d))))
            return d;
        if (node is JsonValue l && l.TryGetValue(out long whole))
            return whole;
        throw new ConfigException(s.KeyOf(name), $"must be a number, got {node.ToJsonString()}");
    }

    private sealed class FieldsDeclarer : IOutputFieldsDeclarer
    {
        public Fields? Default { get; private set; }

        public void Declare(Fields fields) => Default = fields;

        public void Declare(bool direct, Fields fields) => Default = fields;

        public void DeclareStream(string streamId, Fields fields)
        {
            if (streamId == TopologyConstants.DefaultStream)
                Default = fields;
        }

        public void DeclareStream(string streamId, bool direct, Fields fields) => DeclareStream(streamId, fields);
    }
}
