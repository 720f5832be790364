namespace IngestHub.Streams;

/// <summary>Reserved component and stream ids, as Storm names them.</summary>
public static class TopologyConstants
{
    /// <summary>The stream a component emits on when it names none.</summary>
    public const string DefaultStream = "default";

    /// <summary>The component tick tuples come from.</summary>
    public const string SystemComponent = "__system";

    /// <summary>The stream tick tuples arrive on.</summary>
    public const string TickStream = "__tick";

    /// <summary>The acker component (its tasks keep the XOR of every pending tuple tree).</summary>
    public const string AckerComponent = "__acker";

    /// <summary>System task id (tick tuples carry it as their source task).</summary>
    public const int SystemTaskId = -1;

    /// <summary>The stream a windowed bolt emits late tuples on unless configured otherwise.</summary>
    public const string LateStream = "late";

    /// <summary>The field a late tuple is carried in on the late stream.</summary>
    public const string LateTupleField = "late_tuple";
}
