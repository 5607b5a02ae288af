package dev.rigfleet.agent.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.agent.device.ListeningPorts;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.List;

/**
 * {@code GET /rigfleet/v1/listening-ports}: rigfleet's own route on the agent's local API (not the supervisor's),
 * which the platform calls over the device link to answer {@code GET /api/v2/workspaceagents/{id}/listening-ports}.
 */
@Path("/rigfleet/v1/listening-ports")
public class ListeningPortsResource {

    public record PortView(
            String network,
            int port,
            @JsonProperty("process_name") String processName) {}

    public record Ports(List<PortView> ports) {}

    private final ListeningPorts ports = new ListeningPorts(Paths.get("/proc"));

    @GET
    @Blocking
    public Ports list() throws IOException {
        return new Ports(ports.list().stream()
                .map(port -> new PortView(port.network(), port.port(), port.processName()))
                .toList());
    }
}
