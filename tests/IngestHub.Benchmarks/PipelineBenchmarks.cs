using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using IngestHub.Pipelines.Codecs;
using IngestHub.Pipelines.Events;
using IngestHub.Pipelines.Filters;

namespace IngestHub.Benchmarks;

/// <summary>Per-event cost of the json codec and of grok COMBINEDAPACHELOG.</summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private const string AccessLine =
        "83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1\" 200 203023 \"http://semicomplete.com/presentations/logstash-monitorama-2013/\" \"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36\"";

    private readonly JsonCodec _codec = new();
    private readonly List<LogEvent> _events = new(4);
    private readonly List<DecodeFailure> _failures = [];
    private KafkaRecord _record;
    private FilterStage _grok = null!;

    [GlobalSetup]
    public void Setup()
    {
        var value = Encoding.UTF8.GetBytes(new JsonObject { ["message"] = AccessLine, ["host"] = "web-01", ["level"] = "info" }.ToJsonString());
        _record = new KafkaRecord("web-logs", 0, 42, 1_700_000_000_000, null, value);
        _grok = FilterCatalog.Create("grok", new JsonObject { ["match"] = new JsonObject { ["message"] = "%{COMBINEDAPACHELOG}" } }, "grok", TimeProvider.System);
    }

    [Benchmark]
    public int JsonCodecDecode()
    {
        _events.Clear();
        _codec.Decode(_record, _events, _failures);
        return _events.Count;
    }

    [Benchmark]
    public FilterOutcome GrokCombinedApacheLog() => _grok.Apply(new LogEvent(new JsonObject { ["message"] = AccessLine }));

    [Benchmark]
    public FilterOutcome JsonCodecThenGrok()
    {
        _events.Clear();
        _codec.Decode(_record, _events, _failures);
        return _grok.Apply(_events[0]);
    }
}
