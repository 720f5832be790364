using IngestHub.Inputs;
using IngestHub.Server.Monitoring;

namespace IngestHub.Server.Inputs;

/// <summary>The inputs' series on <c>/metrics</c>: records accepted and rejected, and requests, per input.</summary>
public static class InputMetrics
{
    public static string Render(InputRegistry? registry)
    {
        if (registry is null)
            return "";
        var w = new PrometheusTextWriter();
        w.Family("ingesthub_input_records_total", "counter", "Records received by an input (HTTP, OTLP, syslog), by outcome");
        foreach (var (counters, _, _) in registry.All())
        {
            w.Sample("ingesthub_input_records_total", counters.Accepted, ("input", counters.Name), ("outcome", "accepted"));
            w.Sample("ingesthub_input_records_total", counters.Rejected, ("input", counters.Name), ("outcome", "rejected"));
        }
        w.Family("ingesthub_input_requests_total", "counter", "Requests (HTTP, OTLP) or messages (syslog) received by an input");
        foreach (var (counters, _, _) in registry.All())
            w.Sample("ingesthub_input_requests_total", counters.Requests, ("input", counters.Name));
        return w.ToString();
    }
}
