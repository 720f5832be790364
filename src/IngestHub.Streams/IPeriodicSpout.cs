namespace IngestHub.Streams;

/// <summary>A spout with periodic housekeeping (commits, for instance) that must run even when NextTuple is not
/// called — while the task is at max.spout.pending or the topology is paused. Called on the spout's thread.</summary>
public interface IPeriodicSpout
{
    TimeSpan Period { get; }

    void Periodic();
}
