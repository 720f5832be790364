using System.Collections.Concurrent;
using System.Diagnostics;

namespace IngestHub.Broker.Quotas;

/// <summary>Which byte rate a quota bounds.</summary>
public enum QuotaType
{
    /// <summary>producer_byte_rate: bytes of Produce requests.</summary>
    Produce,
    /// <summary>consumer_byte_rate: bytes of Fetch responses.</summary>
    Fetch,
}

/// <summary>
/// Byte-rate quotas per user and client id, resolved as Kafka resolves them: the most specific configured entity
/// wins, in the order user+client-id, user+default client, user, default user+client-id, default user+default
/// client, default user, client-id, default client. Clients that match the same entity share one budget, except
/// that a <c>&lt;default&gt;</c> part gives every user (client id) a budget of its own.
/// <para>Each budget is a token bucket holding at most one second of its rate: bytes beyond it are a debt, and the
/// throttle time is the time the rate needs to pay it back (Kafka's "delay until the rate is back under the
/// quota"), so the long-run rate stays at the quota whatever the request sizes.</para>
/// </summary>
public sealed class ClientQuotas
{
    /// <summary>No response asks a client to wait longer than this (the debt stays and is reported again).</summary>
    public const int MaxThrottleMs = 30_000;

    private volatile QuotaEntry[] _entries;
    private readonly ConcurrentDictionary<(QuotaType Type, string? User, string? ClientId), Bucket> _buckets = new();
    private readonly Func<long> _now;

    public ClientQuotas(IEnumerable<QuotaEntry> entries, Func<long>? nowTicks = null)
    {
        _entries = Validate(entries);
        _now = nowTicks ?? Stopwatch.GetTimestamp;
    }

    /// <summary>The quota entries in force.</summary>
    public IReadOnlyList<QuotaEntry> Entries => _entries;

    /// <summary>Puts <paramref name="entries"/> in force at once (AlterClientQuotas, the stored quotas at start).
    /// Budgets already spent keep their debt and take the new rate at their next use.</summary>
    public void Replace(IEnumerable<QuotaEntry> entries) => _entries = Validate(entries);

    private static QuotaEntry[] Validate(IEnumerable<QuotaEntry> entries)
    {
        QuotaEntry[] all = [.. entries];
        foreach (var entry in all)
        {
            if (entry.User is null && entry.ClientId is null)
                throw new FormatException("quota entry names neither a User nor a ClientId (use <default> for defaults)");
            if (entry.ProducerByteRate is <= 0 || entry.ConsumerByteRate is <= 0)
                throw new FormatException($"quota for {entry}: byte rates must be positive");
        }
        return all;
    }

    /// <summary>True when any quota of the type is configured (otherwise nothing is measured).</summary>
    public bool Any(QuotaType type) => Array.Exists(_entries, e => RateOf(e, type) is not null);

    /// <summary>The quota that applies to the user and client id, with the budget key it is counted under; null when unlimited.</summary>
    public (long Rate, QuotaEntry Entry)? Resolve(QuotaType type, string user, string clientId)
    {
        var entries = _entries;
        if (entries.Length == 0)
            return null;
        // Kafka's precedence; a null part is absent from the entity.
        (string? User, string? Client)[] order =
        [
            (user, clientId), (user, QuotaEntry.Default), (user, null),
            (QuotaEntry.Default, clientId), (QuotaEntry.Default, QuotaEntry.Default), (QuotaEntry.Default, null),
            (null, clientId), (null, QuotaEntry.Default),
        ];
        foreach (var (u, c) in order)
        {
            foreach (var entry in entries)
            {
                if (entry.User == u && entry.ClientId == c && RateOf(entry, type) is { } rate)
                    return (rate, entry);
            }
        }
        return null;
    }

    /// <summary>Counts <paramref name="bytes"/> against the budget of the user and client id and returns the throttle
    /// time in ms (0 when within the quota).</summary>
    public int Record(QuotaType type, string user, string clientId, long bytes)
    {
        if (Resolve(type, user, clientId) is not { } quota)
            return 0;
        return BucketOf(type, user, clientId, quota).Take(bytes, _now());
    }

    /// <summary>The throttle time in ms the budget's debt stands for right now, without counting anything (0 when
    /// within the quota or unlimited). A Fetch in debt is answered empty with this throttle time.</summary>
    public int Pending(QuotaType type, string user, string clientId)
    {
        if (Resolve(type, user, clientId) is not { } quota)
            return 0;
        return BucketOf(type, user, clientId, quota).Take(0, _now());
    }

    /// <summary>Drops budgets unused for <paramref name="idle"/> that owe nothing (client ids are chosen by clients, so
    /// their number must not grow without bound).</summary>
    public int Expire(TimeSpan idle)
    {
        long now = _now();
        long idleTicks = (long)(idle.TotalSeconds * Stopwatch.Frequency);
        int removed = 0;
        foreach (var (key, bucket) in _buckets)
        {
            if (bucket.IdleSince(now) > idleTicks && _buckets.TryRemove(key, out _))
                removed++;
        }
        return removed;
    }

    public int BudgetCount => _buckets.Count;

    /// <summary>The quota user of a connection's principal (<c>User:alice</c> is alice).</summary>
    public static string UserOf(string principal) =>
        principal.StartsWith("User:", StringComparison.Ordinal) ? principal[5..] : principal;

    private Bucket BucketOf(QuotaType type, string user, string clientId, (long Rate, QuotaEntry Entry) quota)
    {
        var key = (type, quota.Entry.User is null ? null : user, quota.Entry.ClientId is null ? null : clientId);
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket(quota.Rate, _now()));
        bucket.SetRate(quota.Rate);
        return bucket;
    }

    private static long? RateOf(QuotaEntry entry, QuotaType type) => type == QuotaType.Produce ? entry.ProducerByteRate : entry.ConsumerByteRate;

    private sealed class Bucket(long rate, long now)
    {
        private readonly Lock _gate = new();
        private long _rate = rate;
        private double _tokens = rate; // one second of burst
        private long _last = now;

        public void SetRate(long rate) => Volatile.Write(ref _rate, rate);

        public int Take(long bytes, long now)
        {
            lock (_gate)
            {
                double rate = Volatile.Read(ref _rate);
                double elapsed = Math.Max(0, now - _last) / (double)Stopwatch.Frequency;
                _last = Math.Max(_last, now);
                _tokens = Math.Min(rate, _tokens + elapsed * rate) - bytes;
                if (_tokens >= 0)
                    return 0;
                double ms = Math.Ceiling(-_tokens / rate * 1000);
                return ms >= MaxThrottleMs ? MaxThrottleMs : (int)ms;
            }
        }

        public long IdleSince(long now)
        {
            lock (_gate)
            {
                // Owing nothing once the refill since the last use covers the debt.
                double refilled = _tokens + (now - _last) / (double)Stopwatch.Frequency * _rate;
                return refilled >= _rate ? now - _last : 0;
            }
        }
    }
}
