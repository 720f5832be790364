namespace IngestHub.Inputs;

/// <summary>The <c>inputs</c> section of <c>ingesthub.yaml</c>.</summary>
public sealed class InputsOptions
{
    public HttpInputOptions Http { get; set; } = new();
    public OtlpInputOptions Otlp { get; set; } = new();
    public SyslogInputOptions Syslog { get; set; } = new();
}

/// <summary><c>inputs.http</c>: <c>POST /ingest/{topic}</c>.</summary>
public sealed class HttpInputOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>Largest request body, after decompression.</summary>
    public long MaxBodyBytes { get; set; } = 10L * 1024 * 1024;
    /// <summary>Most records per request.</summary>
    public int MaxLines { get; set; } = 100_000;
    /// <summary>Largest single record (line or array element).</summary>
    public int MaxLineBytes { get; set; } = 1024 * 1024;
}

/// <summary><c>inputs.otlp</c>: the OTLP/HTTP logs receiver at <c>POST /v1/logs</c>.</summary>
public sealed class OtlpInputOptions
{
    public bool Enabled { get; set; } = true;
    public string Topic { get; set; } = "otlp-logs";
    public long MaxBodyBytes { get; set; } = 10L * 1024 * 1024;
}

/// <summary><c>inputs.syslog</c>: TCP and UDP listeners (off by default).</summary>
public sealed class SyslogInputOptions
{
    public bool Enabled { get; set; }
    public string Host { get; set; } = "127.0.0.1";
    /// <summary>TCP and UDP port (0 picks a free one).</summary>
    public int Port { get; set; } = 5514;
    public string Topic { get; set; } = "syslog";
    /// <summary>Largest message; a longer one is cut there and tagged.</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;
}
