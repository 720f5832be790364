using IngestHub.Broker.Network;
using IngestHub.Broker.Security;
using IngestHub.Protocol;
using IngestHub.Protocol.Acls;
using IngestHub.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace IngestHub.Broker.Handlers;

/// <summary>What the ACL handlers share: SECURITY_DISABLED without the authorizer, and the filter conversion.</summary>
internal static class AclRequests
{
    public const string Disabled = "No Authorizer is configured on the broker";

    public static AclBindingFilter Filter(sbyte type, string? name, sbyte pattern, string? principal, string? host, sbyte operation, sbyte permission) =>
        new((AclResourceType)type, name, (AclPatternType)pattern, principal, host, (AclOperation)operation, (AclPermissionType)permission);
}

/// <summary>DescribeAcls (key 29): the ACLs matching the filter, grouped by resource pattern; needs DESCRIBE on the cluster.</summary>
public sealed class DescribeAclsHandler(Authorizer authorizer) : ApiHandler<DescribeAclsRequest, DescribeAclsResponse>
{
    protected override ValueTask<DescribeAclsResponse?> HandleAsync(RequestContext request, DescribeAclsRequest message, CancellationToken cancellationToken)
    {
        var response = new DescribeAclsResponse();
        var filter = AclRequests.Filter(message.ResourceTypeFilter, message.ResourceNameFilter, message.PatternTypeFilter,
            message.PrincipalFilter, message.HostFilter, message.Operation, message.PermissionType);
        if (!authorizer.Enabled)
            (response.ErrorCode, response.ErrorMessage) = (ErrorCode.SecurityDisabled, AclRequests.Disabled);
        else if (!request.IsAllowedOnCluster(AclOperation.Describe))
            response.ErrorCode = ErrorCode.ClusterAuthorizationFailed;
        else if (filter.Validate() is { } invalid)
            (response.ErrorCode, response.ErrorMessage) = (ErrorCode.InvalidRequest, invalid);
        else
        {
            foreach (var group in authorizer.Store!.Find(filter).GroupBy(a => (a.ResourceType, a.ResourceName, a.PatternType)))
            {
                var resource = new DescribeAclsResponse.Resource
                {
                    ResourceType = (sbyte)group.Key.ResourceType,
                    ResourceName = group.Key.ResourceName,
                    PatternType = (sbyte)group.Key.PatternType,
                };
                foreach (var acl in group)
                    resource.Acls.Add(new DescribeAclsResponse.Acl { Principal = acl.Principal, Host = acl.Host, Operation = (sbyte)acl.Operation, PermissionType = (sbyte)acl.Permission });
                response.Resources.Add(resource);
            }
        }
        return ValueTask.FromResult<DescribeAclsResponse?>(response);
    }
}

/// <summary>CreateAcls (key 30): stores each valid binding; needs ALTER on the cluster. Each creation gets its own result.</summary>
public sealed class CreateAclsHandler(Authorizer authorizer, ILogger<CreateAclsHandler> logger) : ApiHandler<CreateAclsRequest, CreateAclsResponse>
{
    protected override ValueTask<CreateAclsResponse?> HandleAsync(RequestContext request, CreateAclsRequest message, CancellationToken cancellationToken)
    {
        var response = new CreateAclsResponse();
        var error = ErrorCode.None;
        string? errorMessage = null;
        if (!authorizer.Enabled)
            (error, errorMessage) = (ErrorCode.SecurityDisabled, AclRequests.Disabled);
        else if (!request.IsAllowedOnCluster(AclOperation.Alter))
            error = ErrorCode.ClusterAuthorizationFailed;
        var valid = new List<AclBinding>();
        foreach (var creation in message.Creations)
        {
            var result = new CreateAclsResponse.Result { ErrorCode = error, ErrorMessage = errorMessage };
            response.Results.Add(result);
            if (error != ErrorCode.None)
                continue;
            var binding = new AclBinding((AclResourceType)creation.ResourceType, creation.ResourceName, (AclPatternType)creation.ResourcePatternType,
                creation.Principal, creation.Host, (AclOperation)creation.Operation, (AclPermissionType)creation.PermissionType);
            if (binding.Validate() is { } invalid)
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, invalid);
            else
                valid.Add(binding);
        }
        if (valid.Count > 0)
        {
            try
            {
                authorizer.Store!.Add(valid);
                foreach (var binding in valid)
                    logger.LogInformation("ACL added by {Principal}: {Acl}", request.Connection.Principal, binding);
            }
            catch (IOException ex)
            {
                logger.LogWarning(ex, "Could not store {Count} new ACLs", valid.Count);
                foreach (var result in response.Results.Where(r => r.ErrorCode == ErrorCode.None))
                    (result.ErrorCode, result.ErrorMessage) = (ErrorCode.UnknownServerError, "could not store the ACLs: " + ex.Message);
            }
        }
        return ValueTask.FromResult<CreateAclsResponse?>(response);
    }
}

/// <summary>DeleteAcls (key 31): removes every binding matching each filter and reports it; needs ALTER on the cluster.</summary>
public sealed class DeleteAclsHandler(Authorizer authorizer, ILogger<DeleteAclsHandler> logger) : ApiHandler<DeleteAclsRequest, DeleteAclsResponse>
{
    protected override ValueTask<DeleteAclsResponse?> HandleAsync(RequestContext request, DeleteAclsRequest message, CancellationToken cancellationToken)
    {
        var response = new DeleteAclsResponse();
        var error = ErrorCode.None;
        string? errorMessage = null;
        if (!authorizer.Enabled)
            (error, errorMessage) = (ErrorCode.SecurityDisabled, AclRequests.Disabled);
        else if (!request.IsAllowedOnCluster(AclOperation.Alter))
            error = ErrorCode.ClusterAuthorizationFailed;
        var filters = new List<AclBindingFilter>();
        var results = new List<DeleteAclsResponse.FilterResult>();
        foreach (var f in message.Filters)
        {
            var result = new DeleteAclsResponse.FilterResult { ErrorCode = error, ErrorMessage = errorMessage };
            response.FilterResults.Add(result);
            if (error != ErrorCode.None)
                continue;
            var filter = AclRequests.Filter(f.ResourceTypeFilter, f.ResourceNameFilter, f.PatternTypeFilter, f.PrincipalFilter, f.HostFilter, f.Operation, f.PermissionType);
            if (filter.Validate() is { } invalid)
            {
                (result.ErrorCode, result.ErrorMessage) = (ErrorCode.InvalidRequest, invalid);
                continue;
            }
            filters.Add(filter);
            results.Add(result);
        }
        if (filters.Count > 0)
        {
            try
            {
                var removed = authorizer.Store!.Remove(filters);
                for (int i = 0; i < filters.Count; i++)
                {
                    foreach (var acl in removed[i])
                    {
                        results[i].MatchingAcls.Add(new DeleteAclsResponse.MatchingAcl
                        {
                            ResourceType = (sbyte)acl.ResourceType,
                            ResourceName = acl.ResourceName,
                            PatternType = (sbyte)acl.PatternType,
                            Principal = acl.Principal,
                            Host = acl.Host,
                            Operation = (sbyte)acl.Operation,
                            PermissionType = (sbyte)acl.Permission,
                        });
                        logger.LogInformation("ACL removed by {Principal}: {Acl}", request.Connection.Principal, acl);
                    }
                }
            }
            catch (IOException ex)
            {
                logger.LogWarning(ex, "Could not store the ACLs after a deletion");
                foreach (var result in results)
                    (result.ErrorCode, result.ErrorMessage) = (ErrorCode.UnknownServerError, "could not store the ACLs: " + ex.Message);
            }
        }
        return ValueTask.FromResult<DeleteAclsResponse?>(response);
    }
}
