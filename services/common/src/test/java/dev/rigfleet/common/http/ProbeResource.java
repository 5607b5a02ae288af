package dev.rigfleet.common.http;

import dev.rigfleet.common.auth.InternalApi;
import dev.rigfleet.common.paging.Page;
import dev.rigfleet.common.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** A small API that exercises the common filters and mappers the way a service's resources do. */
@Path("/probe")
public class ProbeResource {

    /** A service-to-service route, as the services' /internal routes are. */
    @Path("/internal/probe")
    @InternalApi(callers = "coordinator")
    public static class InternalProbeResource {

        @GET
        public Map<String, Object> internal() {
            return Map.of("ok", true);
        }
    }

    public record Order(
            @NotBlank String name,
            @NotNull @Min(1) Integer count,
            List<String> tags,
            Map<String, String> labels,
            Boolean urgent) {}

    @GET
    @Path("/open")
    public Map<String, Object> open() {
        return Map.of("ok", true);
    }

    @GET
    @Path("/limited")
    public Map<String, Object> limited() {
        return Map.of("ok", true);
    }

    @GET
    @Path("/secure")
    @RolesAllowed("user")
    public Map<String, Object> secure() {
        return Map.of("ok", true);
    }

    @GET
    @Path("/admin")
    @RolesAllowed("admin")
    public Map<String, Object> admin() {
        return Map.of("ok", true);
    }

    @POST
    @Path("/orders")
    public Uni<Order> order(@Valid @NotNull Order order) {
        return Uni.createFrom().item(order);
    }

    /** Reads its body as JSON whatever the Content-Type, as the routes the rerobots clients call will. */
    @POST
    @Path("/lenient-orders")
    @AcceptsAnyContentType
    public Uni<Order> lenientOrder(@Valid @NotNull Order order) {
        return Uni.createFrom().item(order);
    }

    /** A POST that takes no body. */
    @POST
    @Path("/touch")
    public Map<String, Object> touch() {
        return Map.of("ok", true);
    }

    @GET
    @Path("/echo/{word}")
    public Map<String, Object> echo(@PathParam("word") String word, @QueryParam("q") String q) {
        return q == null ? Map.of("word", word) : Map.of("word", word, "q", q);
    }

    @GET
    @Path("/numbers")
    public Map<String, Object> numbers(@QueryParam("max_per_page") String maxPerPage, @QueryParam("page") String page) {
        Page<Integer> served = PageRequest.of(maxPerPage, page)
                .slice(IntStream.rangeClosed(1, 10).boxed().toList());
        return Map.of("numbers", served.items(), "page_count", served.pageCount());
    }

    /** A request type Jackson cannot build (an interface): a bug of ours, answered like any other. */
    public record Unbuildable(Runnable task) {}

    @POST
    @Path("/unbuildable")
    public Map<String, Object> unbuildable(Unbuildable body) {
        return Map.of("ok", true);
    }

    @GET
    @Path("/broken")
    public Map<String, Object> broken() {
        throw new IllegalStateException("dev.rigfleet.Secret internals");
    }
}
