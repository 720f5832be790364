namespace IngestHub.Storage.Compaction;

/// <summary>Outcome of <see cref="LogCleaner.Clean"/>.</summary>
/// <param name="Cleaned">Whether segments were rewritten.</param>
/// <param name="FirstDirtyOffset">Where the next clean starts building its key map.</param>
/// <param name="Reason">Why nothing was cleaned, when nothing was.</param>
public readonly record struct CleanResult(bool Cleaned, long FirstDirtyOffset, CleanStats Stats, string? Reason = null)
{
    public static CleanResult Skipped(long firstDirtyOffset, string reason) => new(false, firstDirtyOffset, default, reason);
}
