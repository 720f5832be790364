using Google.Protobuf;
using IngestHub.Inputs.Otlp.Proto;

namespace IngestHub.Inputs.Otlp;

/// <summary>Answer bodies of <c>POST /v1/logs</c> in the request's encoding: an empty <c>ExportLogsServiceResponse</c> on
/// success, a <c>google.rpc.Status</c> with the message on failure.</summary>
public static class OtlpLogsResponse
{
    public static byte[] Success(bool json) => json ? "{}"u8.ToArray() : new ExportLogsServiceResponse().ToByteArray();

    /// <param name="grpcCode">3 invalid argument, 8 resource exhausted, 14 unavailable, 13 internal.</param>
    public static byte[] Failure(bool json, int grpcCode, string message)
    {
        var status = new Status { Code = grpcCode, Message = message };
        return json ? System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(status)) : status.ToByteArray();
    }
}
