package dev.rigfleet.workspaces.rest;

import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.workspaces.model.AccessRule;
import dev.rigfleet.workspaces.model.Capability;
import dev.rigfleet.workspaces.model.Requester;
import dev.rigfleet.workspaces.repository.AccessRuleRepository;
import dev.rigfleet.workspaces.service.Deployments;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Access rules, as the rerobots clients use them. Anyone signed in reads the rules that concern them (the Rust client
 * asks for every {@code wdinfo}); the deployment's owner, or an admin, reads all of them and is the only one who makes
 * and deletes them.
 */
@Path("/")
@RerobotsRoutes
@RolesAllowed(Caller.USER_SCOPE)
public class AccessRuleResource {

    private static final Pattern USER = Pattern.compile("\\*|[A-Za-z0-9_.@-]{1,64}");

    public record NewRule(@NotNull String cap, String user) {}

    private final AccessRuleRepository rules;
    private final Deployments deployments;
    private final Requesters requesters;

    public AccessRuleResource(AccessRuleRepository rules, Deployments deployments, Requesters requesters) {
        this.rules = rules;
        this.deployments = deployments;
        this.requesters = requesters;
    }

    /** Rules naming the user (or everyone), across deployments; {@code to_user} another user is for admins only. */
    @GET
    @Path("/rules")
    public Uni<Map<String, Object>> all(@QueryParam("to_user") String toUser) {
        return requesters
                .required()
                .chain(requester -> rules.list(null, audience(requester, toUser, false)))
                .map(AccessRuleResource::listing);
    }

    @GET
    @Path("/deployment/{id}/rules")
    public Uni<Map<String, Object>> ofDeployment(@PathParam("id") String id, @QueryParam("to_user") String toUser) {
        UUID deploymentId = Ids.canonical(id, DeploymentResource.NOT_FOUND);
        return requesters
                .required()
                .chain(requester -> deployments
                        .find(deploymentId)
                        .chain(found -> rules.list(
                                deploymentId, audience(requester, toUser, requester.mayManage(found.ownerId())))))
                .map(AccessRuleResource::listing);
    }

    @POST
    @Path("/deployment/{id}/rule")
    public Uni<Map<String, Object>> create(@PathParam("id") String id, @Valid @NotNull NewRule rule) {
        UUID deploymentId = Ids.canonical(id, DeploymentResource.NOT_FOUND);
        Capability capability = capability(rule.cap());
        String user = rule.user() == null ? AccessRule.EVERYONE : rule.user();
        if (!USER.matcher(user).matches()) {
            throw ApiException.badRequest("user must be a user name or *");
        }
        return requesters
                .required()
                .chain(requester -> deployments.managed(requester, deploymentId))
                .chain(found -> rules.create(deploymentId, user, capability, Instant.now()))
                .map(ruleId -> Map.of("rule_id", ruleId));
    }

    @DELETE
    @Path("/deployment/{id}/rule/{rule}")
    public Uni<Map<String, Object>> delete(@PathParam("id") String id, @PathParam("rule") String rule) {
        UUID deploymentId = Ids.canonical(id, DeploymentResource.NOT_FOUND);
        long ruleId = ruleId(rule);
        return requesters
                .required()
                .chain(requester -> deployments.managed(requester, deploymentId))
                .chain(found -> rules.delete(deploymentId, ruleId))
                .map(deleted -> {
                    if (!deleted) {
                        throw ApiException.notFound("no rule " + ruleId + " on this workspace deployment");
                    }
                    return Map.of("rule_id", ruleId, "deleted", true);
                });
    }

    /** Whose rules the requester sees: their own and everyone's, or all of them (null) when they manage it. */
    private static String audience(Requester requester, String toUser, boolean manages) {
        if (toUser != null && !toUser.equals(requester.username()) && !requester.admin() && !manages) {
            throw ApiException.forbidden("only admins may read the rules of another user");
        }
        if (toUser != null) {
            return toUser;
        }
        return requester.admin() || manages ? null : requester.username();
    }

    private static Capability capability(String cap) {
        try {
            return Capability.valueOf(cap);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(
                    "unrecognized capability (`cap` field); known: CAP_INSTANTIATE," + " CAP_NO_INSTANTIATE");
        }
    }

    private static long ruleId(String raw) {
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no rule " + raw + " on this workspace deployment");
        }
    }

    private static Map<String, Object> listing(List<AccessRule> found) {
        return Map.of("rules", found.stream().map(AccessRuleResource::view).toList());
    }

    private static Map<String, Object> view(AccessRule rule) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", rule.id());
        view.put("date_created", rule.createdAt().toString());
        view.put("user", rule.username());
        view.put("wdeployment_id", rule.deploymentId().toString());
        view.put("capability", rule.capability().name());
        view.put("param", rule.param());
        return view;
    }
}
