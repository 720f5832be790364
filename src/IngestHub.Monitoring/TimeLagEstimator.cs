namespace IngestHub.Monitoring;

/// <summary>
/// Estimates how far behind a consumer is in time, as kafka-lag-exporter does: from the sampled history of the log
/// end offset, find when the log end first passed the next offset the group has to read, interpolating linearly
/// between the two samples around it; the time lag is now minus that moment. When the offset is older than the
/// history, the history's average produce rate extrapolates backwards; with no produce rate known either, the
/// answer is the age of the oldest sample and is flagged a lower bound. Pure.
/// </summary>
public static class TimeLagEstimator
{
    /// <param name="endOffsets">Log end offsets over time, oldest first, offsets never decreasing.</param>
    /// <param name="nextOffset">The next offset the group reads (its committed offset, or the log start when it never committed).</param>
    public static TimeLagEstimate Estimate(ReadOnlySpan<OffsetTime> endOffsets, long nextOffset, long endOffset, long nowMs)
    {
        if (endOffset <= nextOffset || endOffsets.IsEmpty)
            return new TimeLagEstimate(0, false);
        int after = -1;
        for (int i = 0; i < endOffsets.Length; i++)
        {
            if (endOffsets[i].Offset > nextOffset)
            {
                after = i;
                break;
            }
        }
        double producedAtMs;
        bool lowerBound = false;
        if (after < 0)
        {
            producedAtMs = nowMs; // produced after the newest sample
        }
        else if (after > 0)
        {
            var before = endOffsets[after - 1];
            var next = endOffsets[after];
            // The record at nextOffset is the (nextOffset − before + 1)-th of those appended between the two samples.
            double fraction = (nextOffset - before.Offset + 1) / (double)(next.Offset - before.Offset);
            producedAtMs = before.TimestampMs + fraction * (next.TimestampMs - before.TimestampMs);
        }
        else
        {
            var first = endOffsets[0];
            var last = endOffsets[^1];
            double spanMs = last.TimestampMs - first.TimestampMs;
            long produced = last.Offset - first.Offset;
            if (spanMs > 0 && produced > 0)
            {
                producedAtMs = first.TimestampMs - (first.Offset - nextOffset) * (spanMs / produced);
            }
            else
            {
                producedAtMs = first.TimestampMs;
                lowerBound = true;
            }
        }
        return new TimeLagEstimate(Math.Max(0, (nowMs - producedAtMs) / 1000.0), lowerBound);
    }
}
