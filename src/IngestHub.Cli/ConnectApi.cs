using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IngestHub.Cli;

/// <summary>The appliance's HTTP API as the <c>connectors</c> commands use it: JSON in and out, an error answer
/// (Connect's <c>{"error_code", "message"}</c>) or an unreachable server becomes a one-line <see cref="CliException"/>.</summary>
public sealed class ConnectApi : IDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    private readonly HttpClient _http;

    public ConnectApi(string baseUrl, HttpApiCredentials? credentials = null) =>
        _http = HttpApiOptions.CreateClient(baseUrl.TrimEnd('/'), credentials ?? HttpApiCredentials.None, TimeSpan.FromSeconds(60));

    public Task<JsonNode?> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public async Task<string> GetTextAsync(string path, CancellationToken ct)
    {
        using var response = await SendRawAsync(HttpMethod.Get, path, null, allowError: false, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    public Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct) => SendAsync(method, path, body, allowError: false, ct);

    /// <summary>Sends and parses the answer; with <paramref name="allowError"/> a 4xx answer body is returned too.</summary>
    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, bool allowError, CancellationToken ct)
    {
        using var response = await SendRawAsync(method, path, body, allowError, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        if (text.Length == 0)
            return null;
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            throw new CliException($"{method} {path}: the server answered something that is not JSON (HTTP {(int)response.StatusCode})");
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, JsonNode? body, bool allowError, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the IngestHub API at {_http.BaseAddress}: {e.Message} (set --url)");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"the IngestHub API at {_http.BaseAddress} did not answer {method} {path} in time");
        }
        if (response.IsSuccessStatusCode || allowError && (int)response.StatusCode is >= 400 and < 500)
            return response;
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(ct);
            string message = text;
            try
            {
                message = JsonNode.Parse(text)?["message"]?.GetValue<string>() ?? text;
            }
            catch (JsonException)
            {
            }
            throw new CliException(HttpApiOptions.Explain(response.StatusCode, message.Length > 0 ? message : $"{method} {path}: HTTP {(int)response.StatusCode}"));
        }
    }

    public void Dispose() => _http.Dispose();
}
