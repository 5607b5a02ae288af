package dev.rigfleet.coordinator.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rigfleet.common.auth.InternalApi;
import dev.rigfleet.coordinator.service.AgentReports;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * {@code GET /internal/agents/{uuid}/stats}: a device's stats history, for the registry, which serves it to the
 * device's owner as {@code GET /devices/:uuid/stats} once it has decided who may see the device.
 */
@Path("/internal/agents/{uuid}/stats")
@InternalApi(callers = "registry")
public class InternalStatsResource {

    private final AgentReports reports;
    private final ObjectMapper json;

    public InternalStatsResource(AgentReports reports, ObjectMapper json) {
        this.reports = reports;
        this.json = json;
    }

    @GET
    @Operation(summary = "The device's stats samples of the last 24 hours, oldest first, each with its time as at")
    public Uni<Map<String, List<JsonNode>>> history(@PathParam("uuid") String uuid) {
        return reports.history(AgentIds.deviceUuid(uuid))
                .map(samples -> Map.of("stats", samples.stream().map(this::view).toList()));
    }

    private JsonNode view(AgentReports.Sample sample) {
        ObjectNode view = json.createObjectNode().put("at", sample.at().toString());
        try {
            // The stats are what AgentSelfResource wrote: an object.
            view.setAll((ObjectNode) json.readTree(sample.stats()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return view;
    }
}
