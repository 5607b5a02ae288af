package dev.rigfleet.registry.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.common.paging.Page;
import dev.rigfleet.common.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.util.List;

/** Fleets (the supervisor APIs' apps). Only the authenticated listing exists yet; the registry issue fills it. */
@Path("/fleets")
public class FleetResource {

    public record FleetList(
            List<Object> fleets, @JsonProperty("page_count") int pageCount) {}

    @GET
    @RolesAllowed("user")
    public Uni<FleetList> list(@QueryParam("max_per_page") String maxPerPage, @QueryParam("page") String page) {
        Page<Object> served = PageRequest.of(maxPerPage, page).slice(List.of());
        return Uni.createFrom().item(new FleetList(served.items(), served.pageCount()));
    }
}
