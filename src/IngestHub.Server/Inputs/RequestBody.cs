using System.IO.Compression;
using IngestHub.Inputs.Http;
using Microsoft.AspNetCore.Http;

namespace IngestHub.Server.Inputs;

/// <summary>Reads a request body up to a limit (after gzip decompression, so a small compressed body cannot expand
/// past it).</summary>
public static class RequestBody
{
    public static async Task<(ReadOnlyMemory<byte> Body, IngestFailure? Failure)> ReadAsync(HttpRequest request, long limit, string limitName)
    {
        if (request.ContentLength > limit && !IsGzip(request))
            return (default, new IngestFailure(413, $"request body of {request.ContentLength} bytes is over the limit of {limit} ({limitName})"));
        string? encoding = request.Headers.ContentEncoding;
        if (!string.IsNullOrEmpty(encoding) && !IsGzip(request) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
            return (default, new IngestFailure(415, $"unsupported Content-Encoding '{encoding}': use gzip or none"));
        bool gzip = IsGzip(request);
        var decompressed = gzip ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true) : null;
        await using (decompressed)
        {
            Stream source = decompressed ?? request.Body;
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            try
            {
                while (true)
                {
                    int n = await source.ReadAsync(chunk, request.HttpContext.RequestAborted);
                    if (n == 0)
                        break;
                    if (buffer.Length + n > limit)
                        return (default, new IngestFailure(413, $"request body is over the limit of {limit} bytes{(IsGzip(request) ? " after decompression" : "")} ({limitName})"));
                    buffer.Write(chunk, 0, n);
                }
            }
            catch (InvalidDataException ex)
            {
                return (default, new IngestFailure(400, $"Content-Encoding gzip: the body is not valid gzip ({ex.Message})"));
            }
            return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
        }
    }

    private static bool IsGzip(HttpRequest request) =>
        string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase);
}
