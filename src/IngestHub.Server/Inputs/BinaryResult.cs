using Microsoft.AspNetCore.Http;

namespace IngestHub.Server.Inputs;

/// <summary>A body of bytes with a status code and content type (OTLP answers: protobuf or JSON, errors included).</summary>
internal sealed class BinaryResult(int statusCode, string contentType, byte[] body) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        httpContext.Response.ContentType = contentType;
        httpContext.Response.ContentLength = body.Length;
        return httpContext.Response.Body.WriteAsync(body).AsTask();
    }
}
