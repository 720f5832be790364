using IngestHub.Broker.Network;
using IngestHub.Broker.Security;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;
using IngestHub.Protocol.Sasl;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Handlers;

/// <summary>The SCRAM mechanism numbers of KIP-554 and the iteration bounds Kafka accepts.</summary>
internal static class ScramMechanismCodes
{
    public const int MinIterations = 4096;
    public const int MaxIterations = 16384;

    public static ScramAlgorithm? Algorithm(sbyte code) => code switch
    {
        1 => ScramAlgorithm.Sha256,
        2 => ScramAlgorithm.Sha512,
        _ => null,
    };

    public static sbyte Code(string mechanism) => mechanism switch
    {
        "SCRAM-SHA-256" => 1,
        "SCRAM-SHA-512" => 2,
        _ => 0,
    };
}

/// <summary>
/// DescribeUserScramCredentials (key 50): the mechanisms and iteration counts of every user (no names given) or of
/// the named users; needs DESCRIBE on the cluster. A name given twice is DUPLICATE_RESOURCE, a user without
/// credentials RESOURCE_NOT_FOUND, each in that user's result.
/// </summary>
public sealed class DescribeUserScramCredentialsHandler(CredentialStore store) : ApiHandler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse>
{
    protected override ValueTask<DescribeUserScramCredentialsResponse?> HandleAsync(RequestContext request, DescribeUserScramCredentialsRequest message, CancellationToken cancellationToken)
    {
        var response = new DescribeUserScramCredentialsResponse();
        if (!request.IsAllowedOnCluster(AclOperation.Describe))
        {
            // The code alone and no results, as Kafka answers. (librdkafka aborts on any top-level error in this
            // answer: it frees a message string it does not own. Nothing a broker can send avoids that.)
            response.ErrorCode = ErrorCode.ClusterAuthorizationFailed;
            return ValueTask.FromResult<DescribeUserScramCredentialsResponse?>(response);
        }
        var all = store.DescribeAll();
        if (message.Users is null || message.Users.Count == 0)
        {
            foreach (var (user, credentials) in all)
                response.Results.Add(Result(user, credentials));
            return ValueTask.FromResult<DescribeUserScramCredentialsResponse?>(response);
        }
        var duplicates = message.Users.GroupBy(u => u.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in message.Users.Select(u => u.Name))
        {
            if (!answered.Add(name))
                continue;
            if (duplicates.Contains(name))
                response.Results.Add(new DescribeUserScramCredentialsResponse.Result
                {
                    User = name,
                    ErrorCode = ErrorCode.DuplicateResource,
                    ErrorMessage = $"Cannot describe SCRAM credentials for the same user twice in a single request: {name}",
                });
            else if (all.TryGetValue(name, out var credentials))
                response.Results.Add(Result(name, credentials));
            else
                response.Results.Add(new DescribeUserScramCredentialsResponse.Result
                {
                    User = name,
                    ErrorCode = ErrorCode.ResourceNotFound,
                    ErrorMessage = $"Attempt to describe a user credential that does not exist: {name}",
                });
        }
        return ValueTask.FromResult<DescribeUserScramCredentialsResponse?>(response);
    }

    private static DescribeUserScramCredentialsResponse.Result Result(string user, IReadOnlyList<(string Mechanism, int Iterations)> credentials)
    {
        var result = new DescribeUserScramCredentialsResponse.Result { User = user };
        foreach (var (mechanism, iterations) in credentials)
            result.CredentialInfos.Add(new DescribeUserScramCredentialsResponse.CredentialInfo { Mechanism = ScramMechanismCodes.Code(mechanism), Iterations = iterations });
        return result;
    }
}

/// <summary>
/// AlterUserScramCredentials (key 51): deletes and upserts SCRAM credentials in <c>&lt;data&gt;/users.json</c>, so the
/// next login uses them; needs ALTER on the cluster. The client sends the salt and the salted password (never the
/// password). Per user, all its changes are applied or none: an empty name or an iteration count outside
/// 4096..16384 is UNACCEPTABLE_CREDENTIAL, a mechanism other than 1 (SCRAM-SHA-256) or 2 (SCRAM-SHA-512)
/// UNSUPPORTED_SASL_MECHANISM, the same user and mechanism twice DUPLICATE_RESOURCE, deleting a credential that
/// does not exist RESOURCE_NOT_FOUND.
/// </summary>
public sealed class AlterUserScramCredentialsHandler(CredentialStore store, ILogger<AlterUserScramCredentialsHandler> logger)
    : ApiHandler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse>
{
    protected override ValueTask<AlterUserScramCredentialsResponse?> HandleAsync(RequestContext request, AlterUserScramCredentialsRequest message, CancellationToken cancellationToken)
    {
        var response = new AlterUserScramCredentialsResponse();
        var users = new List<string>();
        var errors = new Dictionary<string, (ErrorCode Code, string Message)>(StringComparer.Ordinal);
        void Note(string user)
        {
            if (!users.Contains(user, StringComparer.Ordinal))
                users.Add(user);
        }
        void Fail(string user, ErrorCode code, string text) => errors.TryAdd(user, (code, text));

        foreach (var d in message.Deletions)
            Note(d.Name);
        foreach (var u in message.Upsertions)
            Note(u.Name);

        if (!request.IsAllowedOnCluster(AclOperation.Alter))
        {
            foreach (var user in users)
                response.Results.Add(new AlterUserScramCredentialsResponse.Result { User = user, ErrorCode = ErrorCode.ClusterAuthorizationFailed, ErrorMessage = "Not authorized to alter SCRAM credentials (ALTER on the cluster)" });
            return ValueTask.FromResult<AlterUserScramCredentialsResponse?>(response);
        }

        var pairs = message.Deletions.Select(d => (d.Name, d.Mechanism)).Concat(message.Upsertions.Select(u => (u.Name, u.Mechanism)));
        foreach (var duplicate in pairs.GroupBy(p => p).Where(g => g.Count() > 1))
            Fail(duplicate.Key.Name, ErrorCode.DuplicateResource, "A user credential cannot be altered twice in the same request");

        var existing = store.DescribeAll();
        var deletions = new List<(string User, string Mechanism)>();
        foreach (var d in message.Deletions)
        {
            if (d.Name.Length == 0)
                Fail(d.Name, ErrorCode.UnacceptableCredential, "Username must not be empty");
            else if (ScramMechanismCodes.Algorithm(d.Mechanism) is not { } algorithm)
                Fail(d.Name, ErrorCode.UnsupportedSaslMechanism, "Unknown SCRAM mechanism");
            else if (!existing.TryGetValue(d.Name, out var credentials) || !credentials.Any(c => c.Mechanism == algorithm.Mechanism))
                Fail(d.Name, ErrorCode.ResourceNotFound, "Attempt to delete a user credential that does not exist");
            else
                deletions.Add((d.Name, algorithm.Mechanism));
        }
        var upsertions = new List<(string User, ScramAlgorithm Algorithm, byte[] Salt, int Iterations, byte[] SaltedPassword)>();
        foreach (var u in message.Upsertions)
        {
            if (u.Name.Length == 0)
                Fail(u.Name, ErrorCode.UnacceptableCredential, "Username must not be empty");
            else if (ScramMechanismCodes.Algorithm(u.Mechanism) is not { } algorithm)
                Fail(u.Name, ErrorCode.UnsupportedSaslMechanism, "Unknown SCRAM mechanism");
            else if (u.Iterations < ScramMechanismCodes.MinIterations)
                Fail(u.Name, ErrorCode.UnacceptableCredential, $"Too few iterations (the minimum is {ScramMechanismCodes.MinIterations})");
            else if (u.Iterations > ScramMechanismCodes.MaxIterations)
                Fail(u.Name, ErrorCode.UnacceptableCredential, $"Too many iterations (the maximum is {ScramMechanismCodes.MaxIterations})");
            else if (u.Salt.Length == 0 || u.SaltedPassword.Length == 0)
                Fail(u.Name, ErrorCode.UnacceptableCredential, "The salt and the salted password must not be empty");
            else
                upsertions.Add((u.Name, algorithm, u.Salt.ToArray(), u.Iterations, u.SaltedPassword.ToArray()));
        }

        deletions.RemoveAll(d => errors.ContainsKey(d.User));
        upsertions.RemoveAll(u => errors.ContainsKey(u.User));
        if (deletions.Count + upsertions.Count > 0)
        {
            try
            {
                store.Apply(deletions, upsertions);
                foreach (var (user, mechanism) in deletions)
                    logger.LogInformation("SCRAM credential {Mechanism} of user {User} deleted by {Principal}", mechanism, user, request.Connection.Principal);
                foreach (var u in upsertions)
                    logger.LogInformation("SCRAM credential {Mechanism} of user {User} set by {Principal} ({Iterations} iterations)", u.Algorithm.Mechanism, u.User, request.Connection.Principal, u.Iterations);
            }
            catch (IOException ex)
            {
                logger.LogWarning(ex, "Could not store the altered SCRAM credentials");
                foreach (var user in deletions.Select(d => d.User).Concat(upsertions.Select(u => u.User)))
                    Fail(user, ErrorCode.UnknownServerError, "could not store the credentials: " + ex.Message);
            }
        }
        foreach (var user in users)
        {
            var result = new AlterUserScramCredentialsResponse.Result { User = user };
            if (errors.TryGetValue(user, out var error))
                (result.ErrorCode, result.ErrorMessage) = error;
            response.Results.Add(result);
        }
        return ValueTask.FromResult<AlterUserScramCredentialsResponse?>(response);
    }
}
