using System.Diagnostics;

namespace IngestHub.Inputs.Tests;

/// <summary>Runs curl (a real HTTP client, as users drive the ingest endpoint) and returns status and body.</summary>
public static class Curl
{
    public static async Task<(int Status, string Body)> PostAsync(Uri url, string bodyFile, string contentType, params string[] extra)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["-sS", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", "-H", $"Content-Type: {contentType}", "--data-binary", $"@{bodyFile}", .. extra, url.ToString()])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string output = await process.StandardOutput.ReadToEndAsync(cts.Token);
        string error = await process.StandardError.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"curl exited {process.ExitCode}: {error}");
        int split = output.LastIndexOf('\n');
        return (int.Parse(output[(split + 1)..], System.Globalization.CultureInfo.InvariantCulture), output[..split]);
    }
}
