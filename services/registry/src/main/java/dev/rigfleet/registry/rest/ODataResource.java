package dev.rigfleet.registry.rest;

import dev.rigfleet.common.auth.Caller;
import dev.rigfleet.registry.odata.ODataQuery;
import dev.rigfleet.registry.odata.ODataService;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The read-only part of balena's OData API (v7) that balena-sdk needs to find a device before it proxies a command:
 * {@code GET /v7/device(<id>)}, {@code /v7/device(uuid='…')}, {@code /v7/device?$filter=…}, {@code
 * /v7/application(<id>)}, answered as {@code {"d": [...]}}.
 */
@Path("/v7")
@RolesAllowed(Caller.USER_SCOPE)
public class ODataResource {

    private static final String PREFIX = "/v7/";

    private final ODataService odata;
    private final SecurityIdentity identity;

    public ODataResource(ODataService odata, SecurityIdentity identity) {
        this.odata = odata;
        this.identity = identity;
    }

    @GET
    @Path("/{resource: .+}")
    public Uni<Map<String, List<Map<String, Object>>>> read(@Context HttpServerRequest request) {
        // The path as sent, not as matched: ;params and a trailing slash must not be dropped silently.
        String path = request.path();
        String resource = URLDecoder.decode(
                path.substring(path.indexOf(PREFIX) + PREFIX.length()).replace("+", "%2B"), StandardCharsets.UTF_8);
        ODataQuery query = ODataQuery.parse(resource, request.query());
        return odata.read(Caller.of(identity), query).map(found -> Map.of("d", found));
    }
}
