using IngestHub.Pipelines.Configuration;
using IngestHub.Pipelines.Events;

namespace IngestHub.Pipelines.Sinks;

/// <summary>Wraps a sink so that its error messages and rejection reasons, which reach the connector's status,
/// the dead-letter headers and the log, never show a secret of its configuration (a password echoed by a
/// client library, a URL with credentials).</summary>
internal sealed class RedactingSink(ISink inner, IReadOnlyList<string> secrets) : ISink
{
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await inner.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (Redacted(ex) is { } redacted)
        {
            throw redacted;
        }
    }

    public async ValueTask<SinkWriteResult> WriteAsync(IReadOnlyList<LogEvent> batch, CancellationToken cancellationToken)
    {
        SinkWriteResult result;
        try
        {
            result = await inner.WriteAsync(batch, cancellationToken);
        }
        catch (Exception ex) when (Redacted(ex) is { } redacted)
        {
            throw redacted;
        }
        if (result.Rejected.Count == 0)
            return result;
        SinkRejection[]? cleaned = null;
        for (int i = 0; i < result.Rejected.Count; i++)
        {
            var rejection = result.Rejected[i];
            string reason = ConfigSecrets.Redact(rejection.Reason, secrets);
            if (!ReferenceEquals(reason, rejection.Reason))
            {
                cleaned ??= [.. result.Rejected];
                cleaned[i] = rejection with { Reason = reason };
            }
        }
        return cleaned is null ? result : new SinkWriteResult(cleaned);
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>The same failure without the secret (its inner exceptions dropped, as they may carry it too),
    /// or null when the message and its inner messages hold none.</summary>
    private Exception? Redacted(Exception ex)
    {
        if (secrets.Count == 0 || !Mentions(ex))
            return null;
        string message = ConfigSecrets.Redact(ex.Message, secrets);
        return ex switch
        {
            SinkUnavailableException => new SinkUnavailableException(message),
            OperationCanceledException => null,
            _ => new InvalidOperationException($"{ex.GetType().Name}: {message}"),
        };
    }

    private bool Mentions(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
            foreach (var secret in secrets)
                if (e.Message.Contains(secret, StringComparison.Ordinal))
                    return true;
        return false;
    }
}
