namespace IngestHub.Inputs.Http;

/// <summary>Why a request was refused as a whole: the HTTP status and a message naming the problem.</summary>
public sealed record IngestFailure(int Status, string Message);
