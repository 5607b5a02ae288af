package dev.rigfleet.registry.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.error.ErrorBody;
import dev.rigfleet.common.http.RequestIds;
import dev.rigfleet.common.paging.PageRequest;
import dev.rigfleet.registry.model.SupervisorCommand.Outcome;
import dev.rigfleet.registry.model.Views.SupervisorCommandList;
import dev.rigfleet.registry.model.Views.SupervisorCommandView;
import dev.rigfleet.registry.service.ProxyRequest;
import dev.rigfleet.registry.service.SupervisorProxy;
import dev.rigfleet.registry.service.SupervisorProxy.DeviceAnswer;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The supervisor API of owners' devices, from anywhere: {@code POST /supervisor/<url>} with the reference proxy's
 * body, and the audit of what was sent.
 */
@Path("/")
@RolesAllowed(Caller.USER_SCOPE)
public class SupervisorProxyResource {

    private static final String PREFIX = "/supervisor";
    private static final int MAX_URL = 2048;

    /** One device's part of a fan-out answer; the reference's {@code statusCode} and {@code body}, and whose. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record FanOutEntry(int statusCode, Object body, String uuid) {}

    private final SupervisorProxy proxy;
    private final ObjectMapper json;
    private final SecurityIdentity identity;

    public SupervisorProxyResource(SupervisorProxy proxy, ObjectMapper json, SecurityIdentity identity) {
        this.proxy = proxy;
        this.json = json;
        this.identity = identity;
    }

    @POST
    @Path("/supervisor")
    public Response noUrl() {
        throw ApiException.badRequest("Supervisor API url must be specified");
    }

    @POST
    @Path("/supervisor/{url: .*}")
    public Uni<Response> proxy(@Context HttpServerRequest http, String body) {
        String path = devicePath(http);
        ProxyRequest request = ProxyRequest.parse(json, body);
        return proxy.send(Caller.of(identity), request, path, RequestIds.current())
                .map(answers -> answers.size() == 1 ? single(answers.get(0)) : fanOut(answers));
    }

    @GET
    @Path("/supervisor-commands")
    public Uni<SupervisorCommandList> audit(
            @QueryParam("max_per_page") String maxPerPage, @QueryParam("page") String page) {
        return proxy.audit(Caller.of(identity), PageRequest.of(maxPerPage, page))
                .map(served -> new SupervisorCommandList(
                        served.items().stream().map(SupervisorCommandView::of).toList(), served.pageCount()));
    }

    /** The device API's path and query: what follows /supervisor, without an {@code apikey} (the link needs none). */
    private static String devicePath(HttpServerRequest http) {
        String path = http.path().substring(PREFIX.length());
        if (path.isEmpty() || path.equals("/")) {
            throw ApiException.badRequest("Supervisor API url must be specified");
        }
        String query = http.query() == null
                ? ""
                : Arrays.stream(http.query().split("&"))
                        .filter(parameter -> !parameter.isEmpty()
                                && !parameter.toLowerCase(Locale.ROOT).startsWith("apikey="))
                        .collect(Collectors.joining("&"));
        String devicePath = query.isEmpty() ? path : path + "?" + query;
        if (devicePath.length() > MAX_URL) {
            throw ApiException.badRequest("the supervisor API url is longer than " + MAX_URL + " characters");
        }
        return devicePath;
    }

    /** One device: its own status, content type and body, as if it had been called on the device. */
    private static Response single(DeviceAnswer answer) {
        if (answer.outcome() != Outcome.ANSWERED) {
            throw new ApiException(answer.status(), code(answer.outcome()), SupervisorProxy.explain(answer));
        }
        Response.ResponseBuilder response = Response.status(answer.status());
        if (!answer.contentType().isEmpty()) {
            response.header("Content-Type", answer.contentType());
        }
        if (answer.body().length > 0) {
            response.entity(answer.body());
        }
        return response.build();
    }

    /** Several devices: 207 and one entry per device, its body as JSON when it is JSON, as text otherwise. */
    private Response fanOut(List<DeviceAnswer> answers) {
        List<FanOutEntry> entries = answers.stream()
                .map(answer -> new FanOutEntry(answer.status(), entryBody(answer), answer.uuid()))
                .toList();
        return Response.status(207)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(entries)
                .build();
    }

    private Object entryBody(DeviceAnswer answer) {
        if (answer.outcome() != Outcome.ANSWERED) {
            return new ErrorBody(
                    SupervisorProxy.explain(answer), code(answer.outcome()), answer.status(), RequestIds.current());
        }
        if (answer.contentType().toLowerCase(Locale.ROOT).startsWith("application/json")) {
            try {
                return json.readTree(answer.body());
            } catch (IOException e) {
                // Not JSON after all: the caller gets it as the text it is.
            }
        }
        return new String(answer.body(), StandardCharsets.UTF_8);
    }

    private static String code(Outcome outcome) {
        return "device_" + outcome.json();
    }
}
