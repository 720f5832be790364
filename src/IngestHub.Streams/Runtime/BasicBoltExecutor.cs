using IngestHub.Streams.Topology;

namespace IngestHub.Streams.Runtime;

/// <summary>Runs an <see cref="IBasicBolt"/> as a bolt: emits anchored to the input, the input acked when Execute
/// returns, failed when it throws <see cref="FailedException"/>.</summary>
internal sealed class BasicBoltExecutor(IBasicBolt bolt) : IBolt, IWrappingBolt, IBasicOutputCollector
{
    private IOutputCollector _collector = null!;
    private StreamTuple? _input;

    public object Inner => bolt;

    public void DeclareOutputFields(IOutputFieldsDeclarer declarer) => bolt.DeclareOutputFields(declarer);

    public IReadOnlyDictionary<string, object?>? GetComponentConfiguration() => bolt.GetComponentConfiguration();

    public void Prepare(TopologyContext context, IOutputCollector collector)
    {
        _collector = collector;
        bolt.Prepare(context);
    }

    public void Execute(StreamTuple input)
    {
        _input = input;
        try
        {
            bolt.Execute(input, this);
            _collector.Ack(input);
        }
        catch (ReportedFailedException ex)
        {
            _collector.ReportError(ex);
            _collector.Fail(input);
        }
        catch (FailedException)
        {
            _collector.Fail(input);
        }
        finally
        {
            _input = null;
        }
    }

    public void Cleanup() => bolt.Cleanup();

    public void Emit(Values values) => _collector.Emit(TopologyConstants.DefaultStream, _input, values);

    public void Emit(string streamId, Values values) => _collector.Emit(streamId, _input, values);

    public void EmitDirect(int taskId, string streamId, Values values) => _collector.EmitDirect(taskId, streamId, _input, values);

    public void ReportError(Exception error) => _collector.ReportError(error);
}
