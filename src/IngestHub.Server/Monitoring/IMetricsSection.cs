namespace IngestHub.Server.Monitoring;

/// <summary>A part of the <c>/metrics</c> page contributed by a subsystem (registered as a service).</summary>
public interface IMetricsSection
{
    void Write(PrometheusTextWriter writer);
}
