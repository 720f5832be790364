using System.Diagnostics;
using IngestHub.Broker.Quotas;
using Xunit;

namespace IngestHub.Broker.Tests.Limits;

public sealed class ClientQuotasTests
{
    private long _now = 1;

    private ClientQuotas Quotas(params QuotaEntry[] entries) => new(entries, () => _now);

    private void Advance(double seconds) => _now += (long)(seconds * Stopwatch.Frequency);

    [Fact]
    public void Most_specific_entity_wins_in_kafka_order()
    {
        var quotas = Quotas(
            new QuotaEntry { ClientId = QuotaEntry.Default, ProducerByteRate = 8 },
            new QuotaEntry { ClientId = "app", ProducerByteRate = 7 },
            new QuotaEntry { User = QuotaEntry.Default, ProducerByteRate = 6 },
            new QuotaEntry { User = QuotaEntry.Default, ClientId = "app", ProducerByteRate = 4 },
            new QuotaEntry { User = "alice", ProducerByteRate = 3 },
            new QuotaEntry { User = "alice", ClientId = "app", ProducerByteRate = 1, ConsumerByteRate = 100 });

        Assert.Equal(1, quotas.Resolve(QuotaType.Produce, "alice", "app")!.Value.Rate);
        Assert.Equal(3, quotas.Resolve(QuotaType.Produce, "alice", "other")!.Value.Rate);
        Assert.Equal(4, quotas.Resolve(QuotaType.Produce, "bob", "app")!.Value.Rate);
        Assert.Equal(6, quotas.Resolve(QuotaType.Produce, "bob", "other")!.Value.Rate);
        // Resolution is per quota type: only one entity sets a consumer rate.
        Assert.Equal(100, quotas.Resolve(QuotaType.Fetch, "alice", "app")!.Value.Rate);
        Assert.Null(quotas.Resolve(QuotaType.Fetch, "alice", "other"));

        var clientsOnly = Quotas(new QuotaEntry { ClientId = QuotaEntry.Default, ProducerByteRate = 8 }, new QuotaEntry { ClientId = "app", ProducerByteRate = 7 });
        Assert.Equal(7, clientsOnly.Resolve(QuotaType.Produce, "ANONYMOUS", "app")!.Value.Rate);
        Assert.Equal(8, clientsOnly.Resolve(QuotaType.Produce, "ANONYMOUS", "x")!.Value.Rate);
    }

    [Fact]
    public void Throttle_time_is_the_time_the_rate_needs_to_pay_back_the_debt()
    {
        var quotas = Quotas(new QuotaEntry { ClientId = "app", ProducerByteRate = 1000 });
        Assert.Equal(0, quotas.Record(QuotaType.Produce, "u", "app", 1000)); // one second of burst
        Assert.Equal(500, quotas.Record(QuotaType.Produce, "u", "app", 500));
        Assert.Equal(500, quotas.Pending(QuotaType.Produce, "u", "app"));
        Advance(0.5);
        Assert.Equal(0, quotas.Pending(QuotaType.Produce, "u", "app"));
        Advance(10);
        // The bucket holds one second at most: a long pause does not buy a larger burst.
        Assert.Equal(1000, quotas.Record(QuotaType.Produce, "u", "app", 2000));
        Assert.Equal(0, quotas.Record(QuotaType.Produce, "u", "other", 5000)); // not under any quota
    }

    [Fact]
    public void Default_client_entity_gives_each_client_its_own_budget_and_a_named_user_shares_one()
    {
        var quotas = Quotas(new QuotaEntry { ClientId = QuotaEntry.Default, ProducerByteRate = 1000 }, new QuotaEntry { User = "alice", ProducerByteRate = 1000 });
        Assert.Equal(0, quotas.Record(QuotaType.Produce, "ANONYMOUS", "a", 1000));
        Assert.Equal(0, quotas.Record(QuotaType.Produce, "ANONYMOUS", "b", 1000));
        Assert.Equal(0, quotas.Record(QuotaType.Produce, "alice", "a", 1000));
        Assert.Equal(1000, quotas.Record(QuotaType.Produce, "alice", "b", 1000));
    }

    [Fact]
    public void Throttle_is_capped_and_budgets_that_owe_nothing_expire()
    {
        var quotas = Quotas(new QuotaEntry { ClientId = QuotaEntry.Default, ConsumerByteRate = 1 });
        Assert.Equal(ClientQuotas.MaxThrottleMs, quotas.Record(QuotaType.Fetch, "u", "c", 1_000_000));
        Assert.Equal(0, quotas.Record(QuotaType.Fetch, "u", "d", 1));
        Advance(120);
        Assert.Equal(1, quotas.Expire(TimeSpan.FromSeconds(60))); // "d" owes nothing; "c" still owes
        Assert.Equal(1, quotas.BudgetCount);
    }

    [Fact]
    public void Entries_without_an_entity_or_with_a_non_positive_rate_are_refused()
    {
        Assert.Throws<FormatException>(() => new ClientQuotas([new QuotaEntry { ProducerByteRate = 1 }]));
        Assert.Throws<FormatException>(() => new ClientQuotas([new QuotaEntry { ClientId = "a", ConsumerByteRate = 0 }]));
    }
}
