package dev.rigfleet.workspaces.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.http.RerobotsRoutes;
import dev.rigfleet.common.paging.Page;
import dev.rigfleet.common.paging.PageRequest;
import dev.rigfleet.common.paging.SortOrder;
import dev.rigfleet.workspaces.model.Deployment;
import dev.rigfleet.workspaces.model.Requester;
import dev.rigfleet.workspaces.repository.DeploymentRepository;
import dev.rigfleet.workspaces.service.DeploymentPresence;
import dev.rigfleet.workspaces.service.Deployments;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Deployments: the spec's public routes ({@code GET /deployments}, {@code GET /deployment/:id}, {@code GET
 * /queuelen/:id}, no token needed), and the owner's ({@code POST /deployments}, {@code PATCH} and {@code DELETE
 * /deployment/:id}, its lockout).
 */
@Path("/")
@RerobotsRoutes
public class DeploymentResource {

    static final String NOT_FOUND = "no workspace deployment found with given ID";

    private static final Pattern TYPE_NAME = Pattern.compile("[A-Za-z0-9_]+");
    private static final Set<String> NO = Set.of("f", "false", "0");

    /** The spec's {@code sort_by} values, each as SQL over {@code d}. */
    enum DeploymentOrder {
        INC_WTYPE("d.type, d.created_at, d.id"),
        DEC_WTYPE("d.type DESC, d.created_at, d.id"),
        INC_CREATED("d.created_at, d.id"),
        DEC_CREATED("d.created_at DESC, d.id"),
        INC_COUNT("d.icounter, d.created_at, d.id"),
        DEC_COUNT("d.icounter DESC, d.created_at, d.id");

        final String sql;

        DeploymentOrder(String sql) {
            this.sql = sql;
        }
    }

    public record DeploymentSpec(
            @Size(max = 64) String type,
            String host,
            @Size(max = 15) List<String> peripherals,
            @Size(max = 200) String region,
            @Size(max = 1000) String desc,
            @JsonProperty("type_version") @Positive Integer typeVersion) {

        Deployments.Spec spec() {
            return new Deployments.Spec(type, host, peripherals, region, desc, typeVersion);
        }
    }

    private final Deployments deployments;
    private final DeploymentRepository repository;
    private final DeploymentPresence presence;
    private final Requesters requesters;
    private final UriInfo uri;

    public DeploymentResource(
            Deployments deployments,
            DeploymentRepository repository,
            DeploymentPresence presence,
            Requesters requesters,
            UriInfo uri) {
        this.deployments = deployments;
        this.repository = repository;
        this.presence = presence;
        this.requesters = requesters;
        this.uri = uri;
    }

    /** The spec's query parameters of {@code GET /deployments}. */
    public static class ListingQuery {
        @QueryParam("q")
        String query;

        @QueryParam("maxlen")
        String maxlen;

        @QueryParam("types")
        String types;

        @QueryParam("sort_by")
        String sortBy;

        @QueryParam("info")
        String info;

        @QueryParam("max_per_page")
        String maxPerPage;

        @QueryParam("page")
        String page;
    }

    @GET
    @Path("/deployments")
    public Uni<Map<String, Object>> list(@BeanParam ListingQuery asked) {
        return list(null, asked);
    }

    @GET
    @Path("/deployments/{type}")
    public Uni<Map<String, Object>> list(@PathParam("type") String type, @BeanParam ListingQuery asked) {
        DeploymentOrder order = SortOrder.parse(asked.sortBy, DeploymentOrder.INC_WTYPE);
        PageRequest paging = PageRequest.of(asked.maxPerPage, asked.page);
        Long longest = maxlen(asked.maxlen);
        // `?info` alone asks for it too.
        boolean withInfo = uri.getQueryParameters().containsKey("info")
                && (asked.info == null || !NO.contains(asked.info.toLowerCase(Locale.ROOT)));
        // As the spec says: a types list, when given, wins over the path's type.
        DeploymentRepository.Filter filter =
                filter(asked.types != null ? asked.types : type == null ? "" : type, asked.query);
        return requesters
                .maybe()
                .chain(() -> repository.list(filter, order.sql))
                .map(found -> longest == null
                        ? found
                        : found.stream().filter(d -> d.queueLength() <= longest).toList())
                .map(paging::slice)
                .chain(served -> withInfo ? withInfo(served) : Uni.createFrom().item(listing(served, null)));
    }

    @GET
    @Path("/deployment/{id}")
    public Uni<Map<String, Object>> get(@PathParam("id") String id) {
        UUID deploymentId = Ids.canonical(id, NOT_FOUND);
        return requesters
                .maybe()
                .chain(requester ->
                        deployments.find(deploymentId).chain(found -> detail(found, requester.orElse(null))));
    }

    @GET
    @Path("/queuelen/{id}")
    public Uni<Map<String, Object>> queueLength(@PathParam("id") String id) {
        UUID deploymentId = Ids.canonical(id, NOT_FOUND);
        return requesters
                .maybe()
                .chain(() -> deployments.find(deploymentId))
                .map(found -> Map.of("id", found.id().toString(), "len", found.queueLength()));
    }

    @POST
    @Path("/deployments")
    @RolesAllowed(Caller.USER_SCOPE)
    public Uni<Map<String, Object>> create(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @Valid @NotNull DeploymentSpec spec) {
        return requesters
                .required()
                .chain(requester -> deployments
                        .create(requester, authorization, spec.spec())
                        .chain(created -> detail(created, requester)));
    }

    @PATCH
    @Path("/deployment/{id}")
    @RolesAllowed(Caller.USER_SCOPE)
    public Uni<Map<String, Object>> update(
            @PathParam("id") String id,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Valid @NotNull DeploymentSpec spec) {
        UUID deploymentId = Ids.canonical(id, NOT_FOUND);
        return requesters
                .required()
                .chain(requester -> deployments
                        .update(requester, authorization, deploymentId, spec.spec())
                        .chain(updated -> detail(updated, requester)));
    }

    /** Retires the deployment: permanently unavailable from now on. */
    @DELETE
    @Path("/deployment/{id}")
    @RolesAllowed(Caller.USER_SCOPE)
    public Uni<Map<String, Object>> retire(@PathParam("id") String id) {
        UUID deploymentId = Ids.canonical(id, NOT_FOUND);
        return requesters
                .required()
                .chain(requester ->
                        deployments.retire(requester, deploymentId).chain(retired -> detail(retired, requester)));
    }

    @POST
    @Path("/deployment/{id}/lockout")
    @RolesAllowed(Caller.USER_SCOPE)
    public Uni<Map<String, Object>> lockOut(@PathParam("id") String id, @QueryParam("terminate") String terminate) {
        return lockout(id, true, terminate != null && !NO.contains(terminate.toLowerCase(Locale.ROOT)));
    }

    @DELETE
    @Path("/deployment/{id}/lockout")
    @RolesAllowed(Caller.USER_SCOPE)
    public Uni<Map<String, Object>> letIn(@PathParam("id") String id) {
        return lockout(id, false, false);
    }

    /** The owner has looked at what {@code attention} said: it goes. */
    @DELETE
    @Path("/deployment/{id}/attention")
    @RolesAllowed(Caller.USER_SCOPE)
    public Uni<Map<String, Object>> clearAttention(@PathParam("id") String id) {
        UUID deploymentId = Ids.canonical(id, NOT_FOUND);
        return requesters
                .required()
                .chain(requester -> deployments
                        .clearAttention(requester, deploymentId)
                        .chain(cleared -> detail(cleared, requester)));
    }

    private Uni<Map<String, Object>> lockout(String id, boolean lockedOut, boolean terminate) {
        UUID deploymentId = Ids.canonical(id, NOT_FOUND);
        return requesters
                .required()
                .chain(requester -> deployments
                        .lockout(requester, deploymentId, lockedOut, terminate)
                        .chain(changed -> detail(changed, requester)));
    }

    private Uni<Map<String, Object>> detail(Deployment deployment, Requester requester) {
        return presence.online(deployment)
                .chain(online -> deployments
                        .holder(deployment)
                        .map(holding -> DeploymentViews.detail(deployment, online, requester, holding)));
    }

    private Uni<Map<String, Object>> withInfo(Page<Deployment> served) {
        return presence.online(served.items()).map(online -> {
            Map<String, Object> info = new LinkedHashMap<>();
            served.items().forEach(d -> info.put(d.id().toString(), DeploymentViews.summary(d, online.get(d.id()))));
            return listing(served, info);
        });
    }

    private static Map<String, Object> listing(Page<Deployment> served, Map<String, Object> info) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put(
                "workspace_deployments",
                served.items().stream().map(d -> d.id().toString()).toList());
        answer.put("page_count", served.pageCount());
        if (info != null) {
            answer.put("info", info);
        }
        return answer;
    }

    /** {@code maxlen}: a non-negative whole number, or {@code u} (the default) for no bound; null means no bound. */
    private static Long maxlen(String raw) {
        if (raw == null || raw.isEmpty() || raw.equals("u")) {
            return null;
        }
        try {
            long value = Long.parseLong(raw);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw ApiException.badRequest("maxlen must be a non-negative whole number or u, not '" + abbreviate(raw) + "'");
    }

    /** A comma-separated list of types; {@code !name} leaves a type out. */
    private static DeploymentRepository.Filter filter(String types, String query) {
        List<String> wanted = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        for (String entry : types.split(",")) {
            String name = entry.strip();
            if (name.isEmpty()) {
                continue;
            }
            boolean exclude = name.startsWith("!");
            String type = exclude ? name.substring(1) : name;
            if (!TYPE_NAME.matcher(type).matches()) {
                throw ApiException.badRequest(
                        "a workspace type in types matches [A-Za-z0-9_]+, not '" + abbreviate(type) + "'");
            }
            (exclude ? excluded : wanted).add(type);
        }
        return new DeploymentRepository.Filter(wanted, excluded, query);
    }

    private static String abbreviate(String raw) {
        return raw.length() > 20 ? raw.substring(0, 20) + "…" : raw;
    }
}
