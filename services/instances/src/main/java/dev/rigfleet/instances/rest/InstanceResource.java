package dev.rigfleet.instances.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.http.AcceptsAnyContentType;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.common.paging.PageRequest;
import dev.rigfleet.common.paging.SortOrder;
import dev.rigfleet.instances.model.Instance;
import dev.rigfleet.instances.model.Instance.Status;
import dev.rigfleet.instances.model.Requester;
import dev.rigfleet.instances.service.Instances;
import dev.rigfleet.instances.service.NewInstance;
import dev.rigfleet.instances.vpn.Vpns;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Instances, as the spec and the rerobots clients use them: {@code POST /new/:type_or_deployment}, {@code GET
 * /instances}, {@code GET /instance/:id} (and its {@code sshkey}, {@code ka}), {@code POST /terminate/:id}.
 */
@Path("/")
@RerobotsRoutes
@RolesAllowed(Caller.USER_SCOPE)
public class InstanceResource {

    private static final Pattern TYPE_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");

    /** The spec's {@code sort_by} of {@code GET /instances}. */
    enum InstanceOrder {
        DEC_START_DATE,
        INC_START_DATE
    }

    private final Instances instances;
    private final SecurityIdentity identity;
    private final ObjectMapper json;
    private final UriInfo uri;
    private final Vpns vpns;

    public InstanceResource(Instances instances, SecurityIdentity identity, ObjectMapper json, UriInfo uri, Vpns vpns) {
        this.instances = instances;
        this.vpns = vpns;
        this.identity = identity;
        this.json = json;
        this.uri = uri;
    }

    /**
     * The body may be absent, empty, or JSON with or without a {@code Content-Type}: rerobots/py sends JSON with none,
     * the Rust library sends no body.
     */
    @POST
    @Path("/new/{target}")
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> create(@PathParam("target") String target, String body) {
        NewInstance ask = NewInstance.of(Requests.optionalJson(json, body));
        UUID deployment = Requests.canonicalUuid(target);
        if (deployment == null && !TYPE_NAME.matcher(target).matches()) {
            throw ApiException.referenceError(404, "no matching wdeployment found");
        }
        return instances.create(requester(), deployment == null ? target : null, deployment, ask);
    }

    @GET
    @Path("/instances")
    public Uni<Map<String, Object>> list(
            @QueryParam("sort_by") String sortBy,
            @QueryParam("max_per_page") String maxPerPage,
            @QueryParam("page") String page) {
        InstanceOrder order = SortOrder.parse(sortBy, InstanceOrder.DEC_START_DATE);
        PageRequest paging = PageRequest.of(maxPerPage, page);
        // As the reference: presence alone counts, whatever the value (`?include_terminated` too).
        List<Status> shown = new ArrayList<>(List.of(Status.INIT, Status.READY));
        if (uri.getQueryParameters().containsKey("include_terminated")) {
            shown.addAll(List.of(Status.TERMINATING, Status.TERMINATED));
        }
        if (uri.getQueryParameters().containsKey("include_init_fail")) {
            shown.add(Status.INIT_FAIL);
        }
        return instances
                .list(requester(), shown, order == InstanceOrder.DEC_START_DATE)
                .map(found -> {
                    var served = paging.slice(found);
                    Map<String, Object> answer = new LinkedHashMap<>();
                    answer.put(
                            "workspace_instances",
                            served.items().stream().map(i -> i.id().toString()).toList());
                    answer.put(
                            "workspace_deployments",
                            served.items().stream()
                                    .map(i -> i.deploymentId().toString())
                                    .toList());
                    answer.put("page_count", served.pageCount());
                    return answer;
                });
    }

    @GET
    @Path("/instance/{id}")
    public Uni<Map<String, Object>> get(@PathParam("id") String id) {
        return instances.visible(requester(), Requests.instanceId(id)).chain(instance -> {
            Map<String, Object> view = view(instance);
            if (!instance.vpn()) {
                return Uni.createFrom().item(view);
            }
            // As the spec: the same as GET /vpn/:id, when the instance has a VPN.
            return vpns.view(instance).map(vpn -> {
                view.put("vpn", vpn);
                return view;
            });
        });
    }

    @GET
    @Path("/instance/{id}/sshkey")
    public Uni<Map<String, Object>> sshkey(@PathParam("id") String id) {
        return instances.privateKey(requester(), Requests.instanceId(id)).map(key -> Map.of("key", key));
    }

    /** Keeps an instance made with {@code keepalive: true} alive; bodiless, as the JS client sends it. */
    @POST
    @Path("/instance/{id}/ka")
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> keepAlive(@PathParam("id") String id) {
        UUID instance = Requests.instanceId(id);
        return instances.keepAlive(requester(), instance).replaceWith(Map.of("id", instance.toString()));
    }

    @POST
    @Path("/terminate/{id}")
    @AcceptsAnyContentType
    public Uni<Map<String, Object>> terminate(@PathParam("id") String id) {
        UUID instance = Requests.canonicalUuid(id);
        if (instance == null) {
            throw ApiException.resultMessage(404, "not_found", "instance not found");
        }
        return instances.terminate(requester(), instance).map(ended -> Map.of("id", id, "status", ended.status()));
    }

    static Map<String, Object> view(Instance i) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", i.id().toString());
        view.put("deployment", i.deploymentId().toString());
        view.put("type", i.type());
        view.put("region", i.region());
        view.put("status", i.status().name());
        if (i.statusReason() != null) {
            view.put("status_reason", i.statusReason());
        }
        view.put("starttime", i.startedAt().toString());
        if (i.endedAt() != null) {
            view.put("endtime", i.endedAt().toString());
        }
        if (i.expiresAt() != null) {
            view.put("expires", i.expiresAt().toString());
        }
        view.put("rootuser", "root");
        Map<String, Object> fwd = new LinkedHashMap<>();
        if (i.fwdIpv4() != null && i.fwdPort() != null) {
            fwd.put("ipv4", i.fwdIpv4());
            fwd.put("port", i.fwdPort());
        }
        view.put("fwd", fwd);
        view.put("hostkeys", i.hostkeys());
        return view;
    }

    private Requester requester() {
        return Requester.of(identity);
    }
}
