using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace IngestHub.Server.Security;

/// <summary>
/// The appliance's one authorization rule: a GET or HEAD endpoint needs the viewer or admin role, any other method
/// (creating, changing, deleting, ingesting) needs admin. Requests that reach no endpoint (the dashboard's static
/// files, unknown paths) need nothing: the dashboard page holds no data and must load to show its sign-in form.
/// </summary>
public sealed class MethodRoleRequirement : AuthorizationHandler<MethodRoleRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MethodRoleRequirement requirement)
    {
        if (context.Resource is not HttpContext http || http.GetEndpoint() is null)
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }
        bool read = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
        if (context.User.IsInRole(HttpRoles.Admin) || (read && context.User.IsInRole(HttpRoles.Viewer)))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
