using Xunit;

namespace IngestHub.Client.Tests;

public sealed class AssignorTests
{
    private static Dictionary<string, IReadOnlyList<string>> Members(int count, params string[] topics)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>();
        for (int i = 0; i < count; i++)
            result[$"member-{i}"] = topics;
        return result;
    }

    [Theory]
    [InlineData(6, 3, new[] { 2, 2, 2 })]
    [InlineData(7, 3, new[] { 3, 3, 1 })]
    [InlineData(2, 3, new[] { 1, 1, 0 })]
    [InlineData(10, 4, new[] { 3, 3, 3, 1 })]
    public void Range_gives_member_i_partitions_i_times_ceil_to_next(int partitions, int members, int[] expectedCounts)
    {
        var plan = new RangeAssignor().Assign(Members(members, "t"), new Dictionary<string, int> { ["t"] = partitions });
        int m = (partitions + members - 1) / members;
        for (int i = 0; i < members; i++)
        {
            var got = plan[$"member-{i}"];
            Assert.Equal(expectedCounts[i], got.Count);
            for (int j = 0; j < got.Count; j++)
                Assert.Equal(new TopicPartition("t", i * m + j), got[j]);
        }
    }

    [Fact]
    public void Range_sorts_member_ids_and_assigns_per_topic()
    {
        var subscriptions = new Dictionary<string, IReadOnlyList<string>> { ["b"] = ["x", "y"], ["a"] = ["x"] };
        var plan = new RangeAssignor().Assign(subscriptions, new Dictionary<string, int> { ["x"] = 4, ["y"] = 2 });
        Assert.Equal([new("x", 0), new("x", 1)], plan["a"]);
        Assert.Equal([new("x", 2), new("x", 3), new("y", 0), new("y", 1)], plan["b"]);
    }

    [Fact]
    public void Round_robin_deals_sorted_partitions_to_sorted_members()
    {
        var plan = new RoundRobinAssignor().Assign(Members(3, "a", "b"), new Dictionary<string, int> { ["a"] = 3, ["b"] = 2 });
        Assert.Equal([new("a", 0), new("b", 0)], plan["member-0"]);
        Assert.Equal([new("a", 1), new("b", 1)], plan["member-1"]);
        Assert.Equal([new("a", 2)], plan["member-2"]);
    }

    [Fact]
    public void Every_partition_is_assigned_exactly_once()
    {
        var random = new Random(3);
        foreach (IPartitionAssignor assignor in new IPartitionAssignor[] { new RangeAssignor(), new RoundRobinAssignor() })
        {
            for (int n = 0; n < 50; n++)
            {
                int members = random.Next(1, 8), partitions = random.Next(0, 30);
                var plan = assignor.Assign(Members(members, "t"), new Dictionary<string, int> { ["t"] = partitions });
                var all = plan.Values.SelectMany(p => p).Select(p => p.Partition).Order().ToList();
                Assert.Equal(Enumerable.Range(0, partitions).ToList(), all);
            }
        }
    }
}
