using Microsoft.Extensions.Logging;

namespace IngestHub.Storage.Compaction;

/// <summary>
/// Replaces a run of segments by the one the cleaner wrote, so that a crash at any point leaves either the old
/// segments or the new one. The steps, each followed by an fsync of the directory:
/// <list type="number">
/// <item>the cleaner writes and fsyncs <c>&lt;base&gt;.log.cleaned</c> (with <c>.index.cleaned</c>, <c>.timeindex.cleaned</c>);</item>
/// <item>the old segments' files are renamed to <c>*.deleted</c>;</item>
/// <item>the cleaned indexes, then the cleaned log, are renamed to <c>*.swap</c>: the rename of
/// <c>&lt;base&gt;.log.swap</c> is the commit point;</item>
/// <item>the <c>*.deleted</c> files are removed;</item>
/// <item>the <c>*.swap</c> files are renamed to their final names, the log last.</item>
/// </list>
/// On open, <see cref="Recover"/> completes a swap whose <c>.log.swap</c> exists (removes what is left of the old
/// segments, renames the swap file) and otherwise rolls back (renames <c>*.deleted</c> files back), then removes
/// leftover <c>.cleaned</c> and <c>.swap</c> files.
/// </summary>
internal static class SegmentSwap
{
    public const string CleanedSuffix = ".cleaned";
    public const string SwapSuffix = ".swap";
    public const string DeletedSuffix = ".deleted";

    private static readonly string[] SegmentSuffixes = [LogSegment.LogSuffix, LogSegment.IndexSuffix, LogSegment.TimeIndexSuffix];

    /// <summary>Test hook: called with the name of each step before it runs; throwing simulates a crash there.</summary>
    internal static Action<string>? StepHook { get; set; }

    /// <summary>Steps 2–5 for segments already closed by their owner (the cleaned files are complete and fsynced).</summary>
    public static void Replace(string directory, IReadOnlyList<long> oldBaseOffsets, long cleanedBaseOffset)
    {
        StepHook?.Invoke("rename-old");
        foreach (long baseOffset in oldBaseOffsets)
        {
            foreach (string suffix in SegmentSuffixes)
                MoveIfExists(SegmentPath(directory, baseOffset, suffix), SegmentPath(directory, baseOffset, suffix) + DeletedSuffix);
        }
        AtomicFile.FsyncDirectory(directory);

        StepHook?.Invoke("swap");
        foreach (string suffix in (ReadOnlySpan<string>)[LogSegment.IndexSuffix, LogSegment.TimeIndexSuffix, LogSegment.LogSuffix])
        {
            string cleaned = SegmentPath(directory, cleanedBaseOffset, suffix) + CleanedSuffix;
            MoveIfExists(cleaned, SegmentPath(directory, cleanedBaseOffset, suffix) + SwapSuffix);
        }
        AtomicFile.FsyncDirectory(directory);

        StepHook?.Invoke("delete-old");
        foreach (long baseOffset in oldBaseOffsets)
        {
            foreach (string suffix in SegmentSuffixes)
                File.Delete(SegmentPath(directory, baseOffset, suffix) + DeletedSuffix);
        }
        AtomicFile.FsyncDirectory(directory);

        StepHook?.Invoke("rename-swap");
        foreach (string suffix in (ReadOnlySpan<string>)[LogSegment.IndexSuffix, LogSegment.TimeIndexSuffix, LogSegment.LogSuffix])
        {
            string final = SegmentPath(directory, cleanedBaseOffset, suffix);
            MoveIfExists(final + SwapSuffix, final);
        }
        AtomicFile.FsyncDirectory(directory);
        StepHook?.Invoke("done");
    }

    /// <summary>Deletes the files of a cleaning that will not be swapped in.</summary>
    public static void DiscardCleaned(string directory, long cleanedBaseOffset)
    {
        foreach (string suffix in SegmentSuffixes)
            File.Delete(SegmentPath(directory, cleanedBaseOffset, suffix) + CleanedSuffix);
    }

    /// <summary>Brings a partition directory to a state without swap leftovers (see the type's summary). Returns
    /// the base offsets of segments swapped in here, whose indexes were removed so they are rebuilt.</summary>
    public static IReadOnlyList<long> Recover(string directory, ILogger logger, string logName)
    {
        var swappedIn = new List<long>();
        bool changedBack = false;
        var files = Directory.GetFiles(directory);
        bool anyCommitted = false;
        foreach (string file in files)
            anyCommitted |= file.EndsWith(LogSegment.LogSuffix + SwapSuffix, StringComparison.Ordinal);

        if (anyCommitted)
        {
            foreach (string file in files)
            {
                if (file.EndsWith(DeletedSuffix, StringComparison.Ordinal))
                    File.Delete(file);
            }
            foreach (string file in files)
            {
                if (!file.EndsWith(LogSegment.LogSuffix + SwapSuffix, StringComparison.Ordinal))
                    continue;
                string final = file[..^SwapSuffix.Length];
                string name = Path.GetFileName(final);
                if (!long.TryParse(name.AsSpan(0, name.Length - LogSegment.LogSuffix.Length), out long baseOffset))
                    continue;
                // The indexes may be the swap's or none: rebuild them from the log to be sure.
                File.Delete(SegmentPath(directory, baseOffset, LogSegment.IndexSuffix));
                File.Delete(SegmentPath(directory, baseOffset, LogSegment.TimeIndexSuffix));
                AtomicFile.Rename(file, final);
                swappedIn.Add(baseOffset);
                logger.LogWarning("{Log}: completed an interrupted compaction swap of segment {BaseOffset}", logName, baseOffset);
            }
        }
        else
        {
            foreach (string file in files)
            {
                if (!file.EndsWith(DeletedSuffix, StringComparison.Ordinal))
                    continue;
                changedBack = true;
                AtomicFile.Rename(file, file[..^DeletedSuffix.Length]);
                logger.LogWarning("{Log}: rolled back an interrupted compaction swap: restored {File}", logName, Path.GetFileName(file[..^DeletedSuffix.Length]));
            }
        }
        bool changed = false;
        foreach (string file in Directory.GetFiles(directory))
        {
            if (file.EndsWith(CleanedSuffix, StringComparison.Ordinal) || file.EndsWith(SwapSuffix, StringComparison.Ordinal)
                || file.EndsWith(DeletedSuffix, StringComparison.Ordinal))
            {
                File.Delete(file);
                changed = true;
            }
        }
        if (changed || anyCommitted || changedBack)
            AtomicFile.FsyncDirectory(directory);
        return swappedIn;
    }

    public static string SegmentPath(string directory, long baseOffset, string suffix) =>
        Path.Combine(directory, LogSegment.FileName(baseOffset, suffix));

    private static void MoveIfExists(string from, string to)
    {
        if (File.Exists(from))
            AtomicFile.Rename(from, to);
    }
}
