namespace IngestHub.Streams.Tests;

public sealed class TopologyBuilderTests
{
    private static TopologyBuilder WithSpout()
    {
        var builder = new TopologyBuilder();
        builder.SetSpout("numbers", () => new NumberSpout(new SpoutLog(), 1), 1);
        return builder;
    }

    [Fact]
    public void Subscribing_to_an_unknown_component_is_refused_naming_it()
    {
        var builder = WithSpout();
        builder.SetBolt("sink", () => new SplitBolt()).ShuffleGrouping("nope");
        var ex = Assert.Throws<InvalidTopologyException>(() => builder.CreateTopology());
        Assert.Equal("sink: subscribes to unknown component 'nope'", ex.Message);
    }

    [Fact]
    public void Subscribing_to_an_undeclared_stream_lists_the_declared_ones()
    {
        var builder = WithSpout();
        builder.SetBolt("sink", () => new SplitBolt()).ShuffleGrouping("numbers", "errors");
        var ex = Assert.Throws<InvalidTopologyException>(() => builder.CreateTopology());
        Assert.Contains("stream 'errors' of numbers, which declares streams: default", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_grouping_on_a_field_the_stream_lacks_is_refused()
    {
        var builder = WithSpout();
        builder.SetBolt("sink", () => new SplitBolt()).FieldsGrouping("numbers", new Fields("service"));
        var ex = Assert.Throws<InvalidTopologyException>(() => builder.CreateTopology());
        Assert.Contains("uses field 'service'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cycle_is_refused()
    {
        var builder = WithSpout();
        builder.SetBolt("a", () => new SplitBolt()).ShuffleGrouping("numbers").ShuffleGrouping("b");
        builder.SetBolt("b", () => new SplitBolt()).ShuffleGrouping("a");
        var ex = Assert.Throws<InvalidTopologyException>(() => builder.CreateTopology());
        Assert.Contains("cycle", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_instance_for_several_tasks_is_refused_with_a_hint()
    {
        var builder = WithSpout();
        builder.SetBolt("sink", new SplitBolt(), 2).ShuffleGrouping("numbers");
        var ex = Assert.Throws<InvalidTopologyException>(() => builder.CreateTopology());
        Assert.Contains("pass a factory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Executors_never_exceed_tasks_and_tasks_are_kept()
    {
        var builder = WithSpout();
        builder.SetBolt("sink", () => new SplitBolt(), 8).SetNumTasks(3).ShuffleGrouping("numbers");
        builder.SetBolt("wide", () => new SplitBolt(), 2).SetNumTasks(16).ShuffleGrouping("numbers");
        var topology = builder.CreateTopology();
        Assert.Equal(3, topology["sink"].Parallelism);
        Assert.Equal(3, topology["sink"].NumTasks);
        Assert.Equal(2, topology["wide"].Parallelism);
        Assert.Equal(16, topology["wide"].NumTasks);
    }

    [Fact]
    public void Reserved_and_duplicate_ids_are_refused()
    {
        var builder = WithSpout();
        Assert.Throws<InvalidTopologyException>(() => builder.SetBolt("__acker", () => new SplitBolt()));
        Assert.Throws<InvalidTopologyException>(() => builder.SetBolt("numbers", () => new SplitBolt()));
        Assert.Throws<InvalidTopologyException>(() => builder.SetBolt("has space", () => new SplitBolt()));
    }
}
