namespace IngestHub.Inputs;

/// <summary>The appliance's inputs and their counters, in a fixed order (http, otlp, syslog), with whether each is enabled.</summary>
public sealed class InputRegistry
{
    public InputRegistry(InputsOptions options)
    {
        Options = options;
        Http = new InputCounters("http");
        Otlp = new InputCounters("otlp");
        Syslog = new InputCounters("syslog");
    }

    public InputsOptions Options { get; }
    public InputCounters Http { get; }
    public InputCounters Otlp { get; }
    public InputCounters Syslog { get; }

    public IEnumerable<(InputCounters Counters, bool Enabled, string Target)> All()
    {
        yield return (Http, Options.Http.Enabled, "POST /ingest/{topic}");
        yield return (Otlp, Options.Otlp.Enabled, $"POST /v1/logs → {Options.Otlp.Topic}");
        yield return (Syslog, Options.Syslog.Enabled, $"tcp/udp {Options.Syslog.Host}:{Options.Syslog.Port} → {Options.Syslog.Topic}");
    }
}
