namespace IngestHub.Streams.Windows;

/// <summary>Storm's BaseWindowedBolt: fluent window settings, no-op Prepare/Cleanup.</summary>
public abstract class BaseWindowedBolt : IWindowedBolt
{
    public WindowConfiguration Window { get; } = new();

    /// <summary>A sliding window of <paramref name="length"/> evaluated every <paramref name="slide"/>.</summary>
    public BaseWindowedBolt WithWindow(WindowSize length, WindowSize slide)
    {
        Window.Length = length;
        Window.Slide = slide;
        return this;
    }

    /// <summary>A window of <paramref name="length"/> that slides with every tuple.</summary>
    public BaseWindowedBolt WithWindow(WindowSize length) => WithWindow(length, WindowSize.Count(1));

    public BaseWindowedBolt WithTumblingWindow(WindowSize length) => WithWindow(length, length);

    public BaseWindowedBolt WithTimestampField(string field)
    {
        Window.TimestampField = field;
        return this;
    }

    public BaseWindowedBolt WithTimestampExtractor(Func<StreamTuple, long> extractor)
    {
        Window.TimestampExtractor = extractor;
        return this;
    }

    public BaseWindowedBolt WithLag(TimeSpan lag)
    {
        Window.Lag = lag;
        return this;
    }

    public BaseWindowedBolt WithWatermarkInterval(TimeSpan interval)
    {
        Window.WatermarkInterval = interval;
        return this;
    }

    public BaseWindowedBolt WithLateTupleStream(string streamId)
    {
        Window.LateTupleStream = streamId;
        return this;
    }

    public BaseWindowedBolt WithIdleTimeout(TimeSpan idle)
    {
        Window.IdleTimeout = idle;
        return this;
    }

    public abstract void DeclareOutputFields(IOutputFieldsDeclarer declarer);

    public virtual IReadOnlyDictionary<string, object?>? GetComponentConfiguration() => null;

    public virtual void Prepare(TopologyContext context, IOutputCollector collector)
    {
    }

    public abstract void Execute(ITupleWindow window);

    public virtual void Cleanup()
    {
    }
}
